@data_integrity
Feature: The API's records agree with what the shop did
  After test redemptions the team checks that Voucherify recorded them faithfully: the
  redemption entries name the customer and the order amount, the order keeps its discount,
  details and redemptions, the customer's counters add up, and the code's history is
  complete.

  Scenario: Redemption entries name the customer and the order amount
    Given a coupon "SAVE10" giving 10.00 off
    When Alice checks out a cart of 80.00 with "SAVE10"
    Then Alice's redemption entry shows an order of 80.00 with a discount of 10.00
    And the redemption list for Alice holds 1 successful and 0 failed redemptions

  Scenario: The order keeps its discount, its details and the redemption
    Given a coupon "SAVE10" giving 10.00 off
    When Alice checks out a cart of 80.00 with "SAVE10" and these order details:
      | detail  | value   |
      | channel | web     |
      | store   | Krakow  |
    Then Alice's order shows a discount of 10.00 and a total of 70.00
    And Alice's order keeps the detail "store" as "Krakow"
    And Alice's order is paid and records the redemption of "SAVE10"

  Scenario: The customer's counters add up successes, failures and rollbacks
    Given a coupon "ONCE" giving 5.00 off, usable 1 time
    And Alice has already redeemed "ONCE"
    And Alice's redemption has been rolled back
    And Alice has already redeemed "ONCE"
    When Alice checks out a cart of 30.00 with "ONCE"
    Then Alice's account shows 3 redemptions: 2 succeeded, 1 failed and 1 rolled back
    And the redemption list for Alice holds 2 successful and 1 failed redemptions

  Scenario: The redemption list can be narrowed to one campaign
    Given a coupon campaign "Partners" of 3 codes giving 10% off, limited to 2 redemptions
    And a coupon "SAVE10" giving 10.00 off
    And Dave has already redeemed "SAVE10"
    When 3 customers each check out a cart of 50.00 with a different code of "Partners"
    Then 2 checkouts succeed
    And the redemption list for the campaign "Partners" holds 2 successful redemptions

  Scenario: A code's history keeps its successful and refused redemptions
    Given a single-use coupon "LASTONE" giving 5.00 off
    And Alice has already redeemed "LASTONE"
    When Bob checks out a cart of 30.00 with "LASTONE"
    Then the history of "LASTONE" shows 1 successful and 1 failed redemption

  Scenario: Every checkout of the scenario is recorded as it happened
    Given a coupon "TEAM" giving 5.00 off, usable 3 times
    And Alice has already redeemed "TEAM"
    And Bob has already redeemed "TEAM"
    When Alice checks out a cart of 45.00 with "TEAM"
    And Bob checks out a cart of 60.00 with "TEAM"
    Then the redemption records match every checkout of this scenario
