@stacking @emulator
Feature: Deals that must not combine, and deals that always do
  The shop decides which deals stack. A deal in an exclusive category is never combined with
  common deals; a deal in a joint category always joins; the rest follow the limits.

  Scenario: Two mutually exclusive promotions: only one applies, the other is skipped
    Given the deal category "Clearance" never stacks with other deals
    And a cart promotion "Clearance 30" giving 30% off in the category "Clearance"
    And a cart promotion "Clearance 20" giving 20% off in the category "Clearance"
    When Alice checks out a cart of 100.00 with "Clearance 30" and "Clearance 20"
    Then "Clearance 30" is applied
    And "Clearance 20" is skipped because "another exclusive deal already applies"
    And the discount is 30.00

  Scenario: An exclusive deal keeps common coupons out
    Given the deal category "Clearance" never stacks with other deals
    And a cart promotion "Clearance 30" giving 30% off in the category "Clearance"
    And a coupon "SPRING10" giving 10.00 off
    When Alice checks out a cart of 100.00 with "SPRING10" and "Clearance 30"
    Then "Clearance 30" is applied
    And "SPRING10" is skipped because "an exclusive deal applies"
    And the cart total is 70.00

  Scenario: A joint deal always joins, even an exclusive one
    Given the deal category "Clearance" never stacks with other deals
    And the deal category "Loyalty perks" always stacks with other deals
    And a cart promotion "Clearance 30" giving 30% off in the category "Clearance"
    And a coupon "MEMBER5" giving 5.00 off in the category "Loyalty perks"
    When Alice checks out a cart of 100.00 with "Clearance 30" and "MEMBER5"
    Then "Clearance 30" is applied
    And "MEMBER5" is applied
    And the discount is 35.00
