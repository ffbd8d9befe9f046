@loyalty
Feature: Customers spend their points
  Rewards cost points: they are given only when the card holds enough, and the card is
  debited exactly the cost. Points can also pay part of an order, and a rollback gives them back.

  Background:
    Given a loyalty program "Coffee club"
    And the program "Coffee club" offers "Free cake", a coupon giving 5.00 off, for 150 points
    And the program "Coffee club" lets members pay with points at 0.01 per point

  Scenario: A reward is given for enough points and the exact cost is taken
    Given Alice has 200 points in the program "Coffee club"
    When Alice redeems the reward "Free cake"
    Then Alice receives the coupon of her reward
    And Alice's card in "Coffee club" holds 50 points

  Scenario: A reward is refused for too few points and the balance stays
    Given Alice has 100 points in the program "Coffee club"
    When Alice redeems the reward "Free cake"
    Then the reward is refused because the card "does not hold enough points"
    And Alice's card in "Coffee club" holds 100 points

  Scenario: Points pay part of an order
    Given Alice has 300 points in the program "Coffee club"
    When Alice pays 250 points towards a cart of 40.00
    Then the discount is 2.50
    And the cart total is 37.50
    And Alice's card in "Coffee club" holds 50 points

  Scenario: Only the card's holder can pay with its points
    Given Alice has 300 points in the program "Coffee club"
    When Bob pays 100 of Alice's points towards a cart of 40.00
    Then the points payment is refused because the card "belongs to someone else"
    And Alice's card in "Coffee club" holds 300 points

  Scenario: A rolled back points payment gives the points back
    Given Alice has 300 points in the program "Coffee club"
    And Alice pays 250 points towards a cart of 40.00
    When Alice's redemption is rolled back
    Then Alice's card in "Coffee club" holds 300 points

  Scenario: A rolled back reward gives its points back
    Given Alice has 200 points in the program "Coffee club"
    And Alice redeems the reward "Free cake"
    When Alice's redemption is rolled back
    Then Alice's card in "Coffee club" holds 200 points
