@coupons
Feature: How often a coupon can be used
  A coupon can be limited to a number of uses. Once they are used up it is refused; a
  rollback gives the use back. Checking a coupon does not use it.

  Scenario: A used single-use coupon is refused at checkout
    Given a single-use coupon "WELCOME10" giving 10% off
    And Alice has already redeemed "WELCOME10"
    When Bob checks out a cart of 40.00 with "WELCOME10"
    Then the coupon is refused because it "has already been used"
    And no discount is applied
    And "WELCOME10" has been used 1 time

  Scenario Outline: A coupon limited to <uses> uses works exactly that many times
    Given a coupon "TEAM" giving 5.00 off, usable <uses> times
    When <attempts> customers each check out a cart of 20.00 with "TEAM"
    Then <uses> checkouts succeed
    And <refused> checkouts are refused because the coupon "has already been used"
    And "TEAM" has been used <uses> times

    Examples:
      | uses | attempts | refused |
      | 1    | 2        | 1       |
      | 3    | 4        | 1       |
      | 5    | 7        | 2       |

  Scenario: Checking a coupon does not use it
    Given a single-use coupon "ONESHOT" giving 5.00 off
    When Alice checks "ONESHOT" against a cart of 30.00
    Then the coupon is accepted
    And "ONESHOT" has been used 0 times

  Scenario: A rollback gives the use back
    Given a single-use coupon "ONCE" giving 5.00 off
    And Alice has already redeemed "ONCE"
    When Alice's redemption is rolled back
    Then "ONCE" has been used 0 times
    And Alice's order is canceled

  Scenario: A coupon given back by a rollback can be used again
    Given a single-use coupon "ONCE" giving 5.00 off
    And Alice has already redeemed "ONCE"
    And Alice's redemption has been rolled back
    When Bob checks out a cart of 30.00 with "ONCE"
    Then the discount is 5.00

  Scenario: A redemption cannot be rolled back twice
    Given a coupon "TWICE" giving 5.00 off
    And Alice has already redeemed "TWICE"
    And Alice's redemption has been rolled back
    When Alice's redemption is rolled back again
    Then the rollback is refused because the redemption "was already rolled back"
