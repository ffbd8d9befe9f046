@failures
Feature: A check without the data a rule needs says what is missing
  A promotion's conditions read the cart and the customer. When the shop's integration leaves
  out what a condition needs, the answer names the missing data instead of a plain "no", so
  the integration can be fixed.

  Scenario: A promotion for big carts needs the cart's amount
    Given a cart promotion "Big basket" giving 10.00 off on carts of 100.00 or more
    When Alice checks "Big basket" without sending the cart
    Then the promotion is refused because the cart "was not sent with its amount"

  Scenario: A promotion on a product needs the cart's items
    Given a cart promotion "Grinder week" giving 10% off when the cart holds "Grinder"
    When Alice checks "Grinder week" without sending the cart
    Then the promotion is refused because the cart "was not sent with its items"

  Scenario: A promotion with no condition on the cart is valid without it
    Given a cart promotion "Everyone" giving 5.00 off
    When Alice checks "Everyone" without sending the cart
    Then the checkout succeeds
