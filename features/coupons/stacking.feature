@coupons
Feature: Several coupons in one cart
  A customer can use more than one coupon at checkout. Each applies to what the cart costs
  after the ones before it. If one of them cannot be used, none is applied.

  Scenario: Two coupons stack in one cart
    Given a coupon "TENOFF" giving 10.00 off
    And a coupon "EXTRA10" giving 10% off
    When Alice checks out a cart of 100.00 with "TENOFF" and "EXTRA10"
    Then the coupons are accepted
    And the discount is 19.00
    And the cart total is 81.00

  Scenario: One unusable coupon stops the whole checkout
    Given a coupon "TENOFF" giving 10.00 off
    And a coupon "OLD" giving 10% off that expired 1 day ago
    When Alice checks out a cart of 100.00 with "TENOFF" and "OLD"
    Then the checkout is refused because the coupon "has expired"
    And no discount is applied
    And "TENOFF" has been used 0 times
