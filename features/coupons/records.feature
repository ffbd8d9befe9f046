@coupons
Feature: What a redemption leaves behind
  Every redemption is recorded: the order shows it, and it appears in the redemption list and
  in the coupon's history, so the shop and Voucherify agree on what happened.

  Scenario: The redemption is recorded on the order and in the redemption list
    Given a coupon "THANKYOU" giving 7.50 off
    When Alice checks out a cart of 60.00 with "THANKYOU"
    Then Alice's order is paid and records the redemption of "THANKYOU"
    And the redemption list shows a successful redemption of "THANKYOU" by Alice
    And the history of "THANKYOU" lists 1 redemption

  Scenario: A refused redemption is kept in the coupon's history
    Given a single-use coupon "LASTONE" giving 5.00 off
    And Alice has already redeemed "LASTONE"
    When Bob checks out a cart of 30.00 with "LASTONE"
    Then the coupon is refused because it "has already been used"
    And the history of "LASTONE" lists 2 redemptions
