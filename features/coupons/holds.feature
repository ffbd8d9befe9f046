@coupons @holds
Feature: A checkout holds a code while the customer pays
  A shop can hold a code for a customer while they pay: checking the cart with a hold keeps one
  use of the code, and the gift card credits it will take, for that customer alone. Placing the
  order uses the hold; a hold that lapses, or that the shop releases, gives them back.

  Scenario: A held single-use code cannot be taken by another shopper
    Given a single-use coupon "LASTONE" giving 10.00 off
    When Alice holds "LASTONE" against a cart of 50.00
    Then the coupon is accepted
    When Bob checks out a cart of 50.00 with "LASTONE"
    Then the checkout is refused because the coupon "has already been used"
    When Alice places her held order
    Then the checkout succeeds
    And the discount is 10.00
    And "LASTONE" has been used 1 time

  Scenario: Placing the held order ends the hold, so the code's other use stays free
    Given a coupon "TWICE" giving 10.00 off, usable 2 times
    And Alice holds "TWICE" against a cart of 50.00
    When Alice places her held order
    Then the checkout succeeds
    When Bob checks out a cart of 50.00 with "TWICE"
    Then the checkout succeeds
    And "TWICE" has been used 2 times

  Scenario: Holds take uses only while they last
    Given a coupon "TWICE" giving 10.00 off, usable 2 times
    And Alice holds "TWICE" against a cart of 50.00
    And Bob holds "TWICE" against a cart of 50.00
    When Carol checks "TWICE" against a cart of 50.00
    Then the checkout is refused because the coupon "has already been used"
    When the shop releases Bob's hold on "TWICE"
    And Carol checks out a cart of 50.00 with "TWICE"
    Then the checkout succeeds

  @emulator
  Scenario: A hold lasts seven days unless the shop says otherwise
    Given a single-use coupon "LASTONE" giving 10.00 off
    And Alice holds "LASTONE" against a cart of 50.00
    And 6 days pass
    When Bob checks out a cart of 50.00 with "LASTONE"
    Then the checkout is refused because the coupon "has already been used"
    When 2 days pass
    And Bob checks out a cart of 50.00 with "LASTONE"
    Then the checkout succeeds

  @emulator
  Scenario: A hold for one day lapses after it
    Given a single-use coupon "LASTONE" giving 10.00 off
    And Alice holds "LASTONE" against a cart of 50.00 for 1 day
    When 2 days pass
    And Bob checks out a cart of 50.00 with "LASTONE"
    Then the checkout succeeds
    When Alice places her held order
    Then the checkout is refused because the coupon "has already been used"

  Scenario: Gift card credits held at checkout are not spent twice
    Given a gift card "GIFT50" holding 50.00
    And Alice holds 40.00 of the gift card "GIFT50" against a cart of 60.00
    When Bob pays 20.00 of a cart of 30.00 with the gift card "GIFT50"
    Then the checkout is refused because the coupon "does not hold enough credits"
    When Alice places her held order
    Then the checkout succeeds
    And the gift card "GIFT50" holds 10.00

  Scenario: Releasing a hold that does not exist is refused
    Given a single-use coupon "LASTONE" giving 10.00 off
    When the shop releases Alice's hold on "LASTONE"
    Then the release is refused because the hold does not exist
