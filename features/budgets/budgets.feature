@budgets
Feature: Campaigns stop at their budget
  A promotion can be capped by number of redemptions, by total discount given, or per
  customer. Once a cap is reached the next checkout is refused; a rollback gives back what it
  used.

  Scenario: A promotion capped at a number of redemptions refuses the next one
    Given a cart promotion "First three" giving 5.00 off, limited to 3 redemptions
    When 4 customers each check out a cart of 30.00 with "First three"
    Then 3 checkouts succeed
    And 1 checkout is refused because the promotion "has run out"

  Scenario: A discount budget that runs out
    Given a cart promotion "Launch week" giving 10.00 off, with a discount budget of 25.00
    When 3 customers each check out a cart of 40.00 with "Launch week"
    Then 2 checkouts succeed
    And 1 checkout is refused because the promotion "has run out"

  Scenario: A per-customer limit lets each customer in once
    Given a cart promotion "Welcome gift" giving 5.00 off, once per customer
    And Alice has already redeemed "Welcome gift"
    When Alice checks out a cart of 30.00 with "Welcome gift"
    And Bob checks out a cart of 30.00 with "Welcome gift"
    Then Alice's checkout is refused because the promotion "has run out"
    And Bob's checkout gets a discount of 5.00

  Scenario: A rollback gives the budget back
    Given a cart promotion "Only one" giving 5.00 off, limited to 1 redemption
    And Alice has already redeemed "Only one"
    And Alice's redemption has been rolled back
    When Bob checks out a cart of 30.00 with "Only one"
    Then the discount is 5.00

  Scenario: Many customers checking out at once never exceed the budget
    Given a cart promotion "Flash sale" giving 5.00 off, limited to 10 redemptions
    When 32 customers check out a cart of 30.00 with "Flash sale" at the same time
    Then 10 checkouts succeed
    And 22 checkouts are refused because the promotion "has run out"

  Scenario: A coupon campaign's codes share the campaign's budget
    Given a coupon campaign "Partners" of 5 codes giving 10% off, limited to 2 redemptions
    When 3 customers each check out a cart of 50.00 with a different code of "Partners"
    Then 2 checkouts succeed
    And 1 checkout is refused because the promotion "has run out"
