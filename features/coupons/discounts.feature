@coupons
Feature: Coupon discounts
  A coupon takes exactly its stated value off the cart: an amount, a percentage rounded to
  the cent, a capped percentage, or a new fixed price. It never takes the cart below zero.

  @smoke
  Scenario: An amount coupon takes its value off the cart
    Given a coupon "SPRING10" giving 10.00 off
    When Alice checks out a cart of 40.00 with "SPRING10"
    Then the checkout succeeds
    And the discount is 10.00
    And the cart total is 30.00

  Scenario: A percent coupon rounds the discount to the nearest cent
    Given a coupon "SAVE15" giving 15% off
    When Alice checks out a cart of 19.99 with "SAVE15"
    Then the discount is 3.00
    And the cart total is 16.99

  Scenario: A half cent is rounded up
    Given a coupon "TENPERCENT" giving 10% off
    When Alice checks out a cart of 0.05 with "TENPERCENT"
    Then the discount is 0.01
    And the cart total is 0.04

  Scenario: A percent coupon is capped by its limit
    Given a coupon "HALFOFF" giving 50% off up to 20.00
    When Alice checks out a cart of 100.00 with "HALFOFF"
    Then the discount is 20.00
    And the cart total is 80.00

  Scenario: A fixed-price coupon sets the price of the cart
    Given a coupon "BUNDLE30" giving a fixed price of 30.00
    When Alice checks out a cart of 45.00 with "BUNDLE30"
    Then the discount is 15.00
    And the cart total is 30.00

  Scenario: A coupon worth more than the cart makes it free and no more
    Given a coupon "BIGGIFT" giving 50.00 off
    When Alice checks out a cart of 35.00 with "BIGGIFT"
    Then the discount is 35.00
    And the cart total is 0.00

  Scenario: A per-item percent coupon discounts every item on its own
    Given a coupon "ITEMS20" giving 20% off each item
    When Alice checks out with "ITEMS20" and this cart:
      | product      | quantity | price |
      | Coffee beans | 2        | 12.50 |
      | Grinder      | 1        | 45.00 |
    Then the item "Coffee beans" is discounted by 5.00
    And the item "Grinder" is discounted by 9.00
    And the cart total is 56.00
