@webhooks @emulator
Feature: The shop hears about redemptions through signed webhooks
  Voucherify calls the shop's webhook endpoint when something happens, and signs every call
  with the project's webhook secret, so the shop's backend can trust the news and act on it.

  Background:
    Given a coupon "SUMMER10" giving 10% off
    And the shop listens for webhooks about redemptions and rollbacks

  @smoke
  Scenario: A redemption is announced to the shop with a valid signature
    When Alice checks out a cart of 50.00 with "SUMMER10"
    Then the checkout succeeds
    And within 5 seconds a redemption-succeeded webhook arrives for "SUMMER10"
    And the shop received exactly 1 redemption-succeeded webhook

  Scenario: A rollback is announced to the shop
    Given Alice has already redeemed "SUMMER10"
    When Alice's redemption is rolled back
    Then within 5 seconds a rollback-succeeded webhook arrives for "SUMMER10"

  Scenario: A refused redemption is announced as failed
    Given a single-use coupon "LASTONE" giving 5.00 off
    And Alice has already redeemed "LASTONE"
    When Bob checks out a cart of 30.00 with "LASTONE"
    Then the coupon is refused because it "has already been used"
    And within 5 seconds a redemption-failed webhook arrives for "LASTONE"

  Scenario: The shop hears only about the events it listens for
    When Carol checks out a cart of 20.00 with "SUMMER10"
    Then within 5 seconds a redemption-succeeded webhook arrives for "SUMMER10"
    And no customer-created webhook has arrived

  Scenario: A shop that also listens for new customers hears about them
    Given the shop listens for webhooks about new customers
    When Carol checks out a cart of 20.00 with "SUMMER10"
    Then within 5 seconds a customer-created webhook arrives about Carol
