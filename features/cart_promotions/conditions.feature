@cart_promotions
Feature: Cart promotions trigger on the right carts
  Automatic promotions have no code: they apply when the cart meets their conditions, and
  only then. A cart that does not qualify is refused with the reason the shop set.

  Background:
    Given the shop sells:
      | product      | price |
      | Coffee beans | 12.50 |
      | Grinder      | 45.00 |
      | Mug          | 8.00  |

  @smoke
  Scenario Outline: A threshold promotion applies from its amount up and not below
    Given a cart promotion "Big basket" giving 10.00 off on carts of 100.00 or more
    When Alice checks out a cart of <cart> with "Big basket"
    Then the promotion <outcome>

    Examples:
      | cart   | outcome                                            |
      | 99.99  | is refused because the cart "does not qualify"     |
      | 100.00 | gives a discount of 10.00                          |
      | 150.00 | gives a discount of 10.00                          |

  Scenario: A promotion for carts holding a product
    Given a cart promotion "Grinder bonus" giving 5.00 off when the cart holds "Grinder"
    When Alice checks out with "Grinder bonus" and this cart:
      | product | quantity | price |
      | Grinder | 1        | 45.00 |
      | Mug     | 1        | 8.00  |
    Then the discount is 5.00

  Scenario: A promotion for carts without its product is refused with the shop's message
    Given a cart promotion "Grinder bonus" giving 5.00 off when the cart holds "Grinder"
    And the promotion "Grinder bonus" tells shoppers who do not qualify "Add a Grinder to your cart to get this deal"
    When Alice checks out with "Grinder bonus" and this cart:
      | product | quantity | price |
      | Mug     | 2        | 8.00  |
    Then the promotion is refused because the cart "does not qualify"
    And the shop is told "Add a Grinder to your cart to get this deal"

  Scenario Outline: A quantity condition counts the units of the product
    Given a cart promotion "Bean lover" giving 15% off when the cart holds at least 3 "Coffee beans"
    When Alice checks out with "Bean lover" and this cart:
      | product      | quantity   | price |
      | Coffee beans | <quantity> | 12.50 |
    Then the promotion <outcome>

    Examples:
      | quantity | outcome                                        |
      | 2        | is refused because the cart "does not qualify" |
      | 3        | gives a discount of 5.63                       |

  Scenario: A promotion only for one customer segment
    Given Alice is in the customer segment "VIP"
    And a cart promotion "VIP night" giving 20% off for the customer segment "VIP"
    When Alice checks out a cart of 50.00 with "VIP night"
    And Bob checks out a cart of 50.00 with "VIP night"
    Then Alice's checkout gets a discount of 10.00
    And Bob's checkout is refused because the cart "does not qualify"

  Scenario: A segment promotion needs to know the customer
    Given a cart promotion "VIP night" giving 20% off for the customer segment "VIP"
    When an anonymous shopper checks out a cart of 50.00 with "VIP night"
    Then the promotion is refused because the cart "needs a known customer"
