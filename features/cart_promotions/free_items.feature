@cart_promotions @free_items
Feature: Free items: a deal that puts a product in the cart for nothing
  A coupon or a cart promotion can give units of a product free. Units the cart lacks are
  added to it; a deal "on top" adds its units whatever the cart already holds. The free units
  show in the order with their price taken off, so the shop charges exactly what it should.

  Background:
    Given the shop sells:
      | product | price |
      | Coffee  | 12.00 |
      | Mug     | 4.50  |

  Scenario: A free mug already in the cart costs nothing
    Given a coupon "MUG" giving 1 free "Mug"
    When Alice checks out with "MUG" and this cart:
      | product | quantity | price |
      | Coffee  | 1        | 12.00 |
      | Mug     | 1        | 4.50  |
    Then the checkout succeeds
    And the order holds 1 "Mug", 1 of them free
    And the discount is 4.50
    And the cart total is 12.00

  Scenario: A free mug missing from the cart is added to it
    Given a coupon "MUG" giving 1 free "Mug"
    When Alice checks out with "MUG" and this cart:
      | product | quantity | price |
      | Coffee  | 1        | 12.00 |
    Then the checkout succeeds
    And the order holds 1 "Mug", 1 of them free
    And the discount is 4.50
    And the cart total is 12.00

  Scenario: Two free mugs for a cart with one: the second is added
    Given a coupon "MUGS" giving 2 free "Mug"
    When Alice checks out with "MUGS" and this cart:
      | product | quantity | price |
      | Coffee  | 1        | 12.00 |
      | Mug     | 1        | 4.50  |
    Then the order holds 2 "Mug", 2 of them free
    And the discount is 9.00
    And the cart total is 12.00

  Scenario: A free mug on top is added whatever the cart holds
    Given a coupon "EXTRA" giving 1 free "Mug" on top
    When Alice checks out with "EXTRA" and this cart:
      | product | quantity | price |
      | Coffee  | 1        | 12.00 |
      | Mug     | 2        | 4.50  |
    Then the order holds 3 "Mug", 1 of them free
    And the discount is 4.50
    And the cart total is 21.00

  Scenario Outline: Buy a coffee, get a mug: only a cart with coffee gets it
    Given a cart promotion "Coffee and mug" giving 1 free "Mug" when the cart holds "Coffee"
    When Alice checks out with "Coffee and mug" and this cart:
      | product   | quantity | price   |
      | <product> | 1        | <price> |
    Then <outcome>

    Examples:
      | product | price | outcome                                                        |
      | Coffee  | 12.00 | the order holds 1 "Mug", 1 of them free                         |
      | Mug     | 4.50  | the promotion is refused because the cart "does not qualify" |
