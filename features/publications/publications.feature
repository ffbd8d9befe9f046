@publications
Feature: Codes are given to customers
  The shop gives a customer a code of a campaign. The code records its holder and the
  customer's wallet lists it; a join-once request gives the same customer the same code again,
  and a campaign with no code left says so and gives nothing.

  Background:
    Given a coupon campaign "Spring" of 2 single-use codes giving 10% off

  @smoke
  Scenario: A customer receives a code of the campaign
    When the shop gives Alice a code of "Spring"
    Then Alice holds 1 code of "Spring"
    And Alice's wallet shows her code of "Spring" as active

  Scenario: Each customer gets a code of their own
    When the shop gives Alice a code of "Spring"
    And the shop gives Bob a code of "Spring"
    Then Alice and Bob hold different codes of "Spring"
    And "Spring" has 0 codes left

  Scenario: Join-once gives the same customer the same code again
    When the shop gives Alice a code of "Spring", once per customer
    And the shop gives Alice a code of "Spring", once per customer
    Then Alice was given the same code both times
    And Alice holds 1 code of "Spring"
    And "Spring" has 1 code left

  Scenario: Without join-once a customer can collect a second code
    When the shop gives Alice a code of "Spring"
    And the shop gives Alice a code of "Spring"
    Then Alice holds 2 codes of "Spring"

  Scenario: A campaign with no code left refuses and gives nothing
    Given the shop has given Alice a code of "Spring"
    And the shop has given Bob a code of "Spring"
    When the shop gives Carol a code of "Spring"
    Then the code is not given because "the campaign has no code left"
    And Carol holds no code of "Spring"

  Scenario: An open campaign makes a new code when it has none left
    Given an open coupon campaign "Welcome" giving 5.00 off
    When the shop gives Alice a code of "Welcome"
    Then Alice holds 1 code of "Welcome"

  Scenario: A used code shows as used in the wallet
    Given the shop has given Alice a code of "Spring"
    When Alice checks out a cart of 40.00 with "Alice's Spring code"
    Then the discount is 4.00
    And Alice's wallet shows her code of "Spring" as used

  Scenario: A code is not given to a customer the project does not know
    When the shop gives the customer "cust_unknown" a code of "Spring"
    Then the code is not given because "the customer is unknown"
    And "Spring" has 2 codes left

  Scenario: A code is not given from a campaign that does not exist
    When the shop gives Alice a code of "Autumn"
    Then the code is not given because "the campaign is unknown"
    And Alice holds no code of "Autumn"

  Scenario: The checkout page offers the codes a customer holds
    Given a cart promotion "Big basket" giving 10.00 off on carts of 100.00 or more
    And the shop has given Alice a code of "Spring"
    And the shop has given Bob a code of "Spring"
    When Alice asks which of her codes a cart of 150.00 can use
    Then the code "Alice's Spring code" is offered with a discount of 15.00
    And the code "Bob's Spring code" is not offered
    And the promotion "Big basket" is not offered
