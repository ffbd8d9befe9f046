@coupons
Feature: When a coupon can be used
  A coupon works only inside its validity window and while it is enabled. Outside of that
  the checkout is refused with a reason the shop can show to the customer.

  Scenario: An expired coupon is refused with a clear reason
    Given a coupon "SUMMER" giving 10% off that expired 3 days ago
    When Alice checks out a cart of 50.00 with "SUMMER"
    Then the coupon is refused because it "has expired"
    And no discount is applied

  Scenario: A coupon that has not started yet is refused
    Given a coupon "WINTER" giving 5.00 off that starts in 10 days
    When Alice checks "WINTER" against a cart of 50.00
    Then the coupon is refused because it "is not active yet"

  @emulator
  Scenario: A coupon becomes usable on its start date
    Given a coupon "WINTER" giving 5.00 off that starts in 2 days
    And 3 days pass
    When Alice checks out a cart of 50.00 with "WINTER"
    Then the discount is 5.00

  @emulator
  Scenario: A coupon stops working once its end date has passed
    Given a coupon "WEEKEND" giving 5.00 off that expires in 2 days
    And 3 days pass
    When Alice checks out a cart of 50.00 with "WEEKEND"
    Then the coupon is refused because it "has expired"

  Scenario: A disabled coupon is refused
    Given a coupon "PAUSED" giving 10% off
    And the coupon "PAUSED" has been disabled
    When Alice checks out a cart of 50.00 with "PAUSED"
    Then the coupon is refused because it "is disabled"
    And no discount is applied

  Scenario: A coupon enabled again works again
    Given a coupon "PAUSED" giving 10% off
    And the coupon "PAUSED" has been disabled
    And the coupon "PAUSED" has been enabled again
    When Alice checks out a cart of 50.00 with "PAUSED"
    Then the discount is 5.00

  Scenario: An unknown code is refused
    When Alice checks out a cart of 50.00 with "NO-SUCH-CODE"
    Then the coupon is refused because it "does not exist"
    And no discount is applied
