@loyalty
Feature: Gift cards pay with their credits
  A gift card pays for an order up to what it holds; what it pays is taken from it, and a
  rollback puts it back.

  Scenario: A gift card pays part of an order
    Given a gift card "GIFT-50" holding 50.00
    When Alice pays 20.00 of a cart of 35.00 with the gift card "GIFT-50"
    Then the cart total is 15.00
    And the gift card "GIFT-50" holds 30.00

  Scenario: A gift card cannot pay more than it holds
    Given a gift card "GIFT-10" holding 10.00
    When Alice pays 20.00 of a cart of 35.00 with the gift card "GIFT-10"
    Then the coupon is refused because it "does not hold enough credits"
    And the gift card "GIFT-10" holds 10.00

  Scenario: A rolled back gift card payment puts the credits back
    Given a gift card "GIFT-50" holding 50.00
    And Alice pays 20.00 of a cart of 35.00 with the gift card "GIFT-50"
    When Alice's redemption is rolled back
    Then the gift card "GIFT-50" holds 50.00
