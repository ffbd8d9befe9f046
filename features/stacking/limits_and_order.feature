@stacking @emulator
Feature: How many deals stack, in which order, and what happens to unusable ones
  The shop limits how many deals one checkout gets and the order they apply in; the order
  changes the total when percentages and amounts mix.

  Scenario: Beyond the shop's limit, further deals are skipped
    Given the shop allows at most 2 deals per checkout
    And a coupon "ONE" giving 1.00 off
    And a coupon "TWO" giving 2.00 off
    And a coupon "THREE" giving 3.00 off
    When Alice checks out a cart of 50.00 with "ONE", "TWO" and "THREE"
    Then "ONE" is applied
    And "TWO" is applied
    And "THREE" is skipped because "too many deals are applied"
    And the discount is 3.00

  Scenario: Only one deal per category by default
    Given the deal category "Weekend" exists
    And a coupon "SAT" giving 5.00 off in the category "Weekend"
    And a coupon "SUN" giving 7.00 off in the category "Weekend"
    When Alice checks out a cart of 50.00 with "SAT" and "SUN"
    Then "SAT" is applied
    And "SUN" is skipped because "its category already has a deal"

  Scenario: When all deals must apply, one unusable code stops the checkout
    Given a coupon "GOOD" giving 5.00 off
    And a coupon "STALE" giving 5.00 off that expired 2 days ago
    When Alice checks out a cart of 50.00 with "GOOD" and "STALE"
    Then the checkout is refused because the coupon "has expired"
    And "GOOD" has been used 0 times

  Scenario: When partial checkouts are allowed, the usable deals still apply
    Given the shop applies the usable deals when others cannot be used
    And a coupon "GOOD" giving 5.00 off
    And a coupon "STALE" giving 5.00 off that expired 2 days ago
    When Alice checks out a cart of 50.00 with "GOOD" and "STALE"
    Then "GOOD" is applied
    And "STALE" is refused because it "has expired"
    And the discount is 5.00

  Scenario Outline: The order deals apply in changes the total
    Given the deal category "Percent deals" ranks 1
    And the deal category "Amount deals" ranks 2
    And a coupon "TENPCT" giving 10% off in the category "Percent deals"
    And a coupon "TENOFF" giving 10.00 off in the category "Amount deals"
    And the shop applies deals <order>
    When Alice checks out a cart of 100.00 with "TENOFF" and "TENPCT"
    Then the discount is <discount>

    Examples:
      | order                  | discount |
      | in the order requested | 19.00    |
      | by category rank       | 20.00    |
