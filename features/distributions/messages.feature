@distributions @emulator
Feature: Distributions send the customer the right message at the right moment
  Marketing sets up distributions: when something happens to a customer, a message goes out
  by e-mail, text message or to the shop's webhook endpoint, with the customer's name and
  code filled in. Every message is kept with its delivery status, and the customer's
  activity shows it.

  Scenario: A paid order sends the customer a thank-you e-mail
    Given a distribution "Thank you" e-mails "Thanks for your order, {{customer.name}}!" when an order is paid
    When Alice pays for an order of 42.00
    Then within 5 seconds Alice is e-mailed "Thanks for your order, Alice!"
    And Alice's activity shows "an e-mail sent"

  Scenario: A redeemed coupon is confirmed by text message with its code
    Given a coupon "SUMMER10" giving 10% off
    And Alice's phone number is "+48 600 100 200"
    And a distribution "Coupon used" texts "{{customer.name}}, your code {{code}} saved you money" when a coupon is redeemed
    When Alice checks out a cart of 50.00 with "SUMMER10"
    Then within 5 seconds Alice is texted "Alice, your code SUMMER10 saved you money"
    And Alice's activity shows "a text message sent"

  Scenario: Joining a segment sends a welcome e-mail
    Given a distribution "VIP welcome" e-mails "Welcome to the VIP club, {{customer.name}}" when a customer joins the segment "VIP"
    When Alice joins the customer segment "VIP"
    Then within 5 seconds Alice is e-mailed "Welcome to the VIP club, Alice"
    And Alice's activity shows "entering a segment"

  Scenario: A text message to a customer without a phone number is recorded as failed
    Given Bob has no phone number
    And a distribution "VIP text" texts "Welcome, {{customer.name}}" when a customer joins the segment "VIP"
    When Bob joins the customer segment "VIP"
    Then within 5 seconds the text message to Bob is recorded as failed because "the customer has no phone number"
    And Bob's activity shows "a failed text message"

  Scenario: A distribution can deliver its message to the shop's webhook endpoint
    Given a coupon "SUMMER10" giving 10% off
    And a distribution "Tell the shop" posts "{{customer.name}} used {{code}}" when a coupon is redeemed
    When Alice checks out a cart of 50.00 with "SUMMER10"
    Then within 5 seconds the shop's webhook endpoint receives the message "Alice used SUMMER10"

  Scenario: A switched-off distribution sends nothing
    Given a distribution "Thank you" e-mails "Thanks, {{customer.name}}" when an order is paid
    And a distribution "Old thank you" e-mails "Thanks (old), {{customer.name}}" when an order is paid
    And the distribution "Old thank you" is switched off
    When Alice pays for an order of 42.00
    Then within 5 seconds Alice is e-mailed "Thanks, Alice"
    And the distribution "Old thank you" has sent nothing
