@migration
Feature: Codes from the old promotion system keep working after the move
  The shop moves its codes from its old promotion system in bulk. Every code must keep its
  value, the uses it has left and its expiry date, and must work at checkout like a code made
  here. A file with a bad line brings in the good lines and says exactly which line is wrong.

  Scenario: Imported codes keep their value, remaining uses and expiry date
    Given the old system exported these codes:
      | code        | offer                  | uses | used | expires    |
      | OLD-TEAM    | 5.00 off               | 5    | 2    | 2031-12-31 |
      | OLD-WELCOME | 10% off                | 1    | 0    | 2031-06-30 |
      | OLD-BUNDLE  | a fixed price of 30.00 | 3    | 0    | 2032-01-15 |
    When the shop imports the exported codes
    Then the import reports 3 codes imported and none refused
    And the code "OLD-TEAM" gives 5.00 off
    And the code "OLD-TEAM" has 3 uses left
    And the code "OLD-TEAM" expires on 2031-12-31
    And the code "OLD-WELCOME" gives 10% off
    And the code "OLD-BUNDLE" expires on 2032-01-15

  Scenario: A legacy code that was used up stays used up
    Given the old system exported these codes:
      | code     | offer     | uses | used | expires    |
      | OLD-DONE | 10.00 off | 1    | 1    | 2031-12-31 |
    When the shop imports the exported codes
    And Alice checks out a cart of 40.00 with "OLD-DONE"
    Then the coupon is refused because it "has already been used"
    And no discount is applied

  Scenario: An imported code redeems exactly like a code made in Voucherify
    Given a coupon "NATIVE15" giving 15% off, usable 2 times
    And the old system exported these codes:
      | code   | offer   | uses | used | expires    |
      | OLD-15 | 15% off | 2    | 0    | 2031-12-31 |
    When the shop imports the exported codes
    And Alice checks out a cart of 45.50 with "OLD-15"
    And Bob checks out a cart of 45.50 with "NATIVE15"
    Then the checkouts with "OLD-15" and "NATIVE15" got the same discount and total
    And "OLD-15" has been used 1 time
    And the code "OLD-15" has 1 use left

  Scenario: A file with a bad line imports the other codes and names the bad line
    Given the old system exported these codes:
      | code  | offer    | uses | used | expires    |
      | OLD-A | 5.00 off | 1    | 0    | 2031-12-31 |
      | OLD-B | 5.00 off | 1    | 0    | 2031-12-31 |
      | OLD-C | 10% off  | 1    | 0    | 2031-12-31 |
    And the export has "ten" as the value of "OLD-B"
    When the shop imports the exported codes
    Then the import reports 2 codes imported and 1 refused
    And line 3 of the export, "OLD-B", is refused because "its value is not a number"
    And the code "OLD-B" was not imported
    And the code "OLD-C" gives 10% off

  Scenario: A code listed twice in a file is imported once and the repeat is named
    Given the old system exported these codes:
      | code  | offer    | uses | used | expires    |
      | OLD-A | 5.00 off | 1    | 0    | 2031-12-31 |
      | OLD-B | 10% off  | 1    | 0    | 2031-12-31 |
    And the export lists "OLD-A" twice
    When the shop imports the exported codes
    Then the import reports 2 codes imported and 1 refused
    And line 4 of the export, "OLD-A", is refused because "its code appears twice in the file"

  Scenario: A file without a code column is refused and nothing is imported
    Given the old system exported these codes:
      | code  | offer    | uses | used | expires    |
      | OLD-A | 5.00 off | 1    | 0    | 2031-12-31 |
    And the export calls its code column "Voucher"
    When the shop imports the exported codes
    Then the import is refused because "the file has no code column"
    And the code "OLD-A" was not imported

  Scenario: A column the old system had is kept with each code
    Given the old system exported these codes:
      | code  | offer    | uses | used | expires    |
      | OLD-A | 5.00 off | 1    | 0    | 2031-12-31 |
    And the export has a column "Legacy Id" with "LG-1001" for "OLD-A"
    When the shop imports the exported codes
    Then the import reports 1 code imported and none refused
    And the code "OLD-A" keeps "LG-1001" as its "Legacy Id"

  Scenario: Codes that already exist are not imported again
    Given a coupon "TAKEN" giving 5.00 off
    When the shop imports the codes "TAKEN" and "FRESH" giving 10% off
    Then the import is refused because "a code already exists"
    And the code "FRESH" was not imported
    And the code "TAKEN" gives 5.00 off

  Scenario: Codes imported into a campaign take the campaign's discount
    Given a coupon campaign "Partners" of 0 codes giving 15% off, limited to 10 redemptions
    When the shop imports the codes "PARTNER-1" and "PARTNER-2" into the campaign "Partners"
    Then the import reports 2 codes imported and none refused
    When Alice checks out a cart of 40.00 with "PARTNER-2"
    Then the discount is 6.00
