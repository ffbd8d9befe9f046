@cart_promotions
Feature: Promotion tiers, targets and switching promotions off
  A campaign can reward bigger carts more; a promotion can be limited to some products; and a
  switched-off promotion stops applying at once.

  Background:
    Given the shop sells:
      | product      | price |
      | Coffee beans | 12.50 |
      | Grinder      | 45.00 |

  Scenario Outline: The best tier the cart reaches wins
    Given a tiered promotion "Spend more, save more":
      | tier   | offer   | from   |
      | Silver | 10% off | 100.00 |
      | Gold   | 20% off | 200.00 |
    When Alice checks out a cart of <cart> with the automatic promotions
    Then the promotion "<tier>" is applied
    And the discount is <discount>

    Examples:
      | cart   | tier   | discount |
      | 150.00 | Silver | 15.00    |
      | 250.00 | Gold   | 50.00    |

  Scenario: A cart below every tier gets no promotion
    Given a tiered promotion "Spend more, save more":
      | tier   | offer   | from   |
      | Silver | 10% off | 100.00 |
      | Gold   | 20% off | 200.00 |
    When Alice checks out a cart of 80.00 with the automatic promotions
    Then no promotion is applied

  Scenario: Before checkout the shop can show which promotions a cart can get
    Given a cart promotion "Big basket" giving 10.00 off on carts of 100.00 or more
    And a cart promotion "Huge basket" giving 30.00 off on carts of 300.00 or more
    When Alice asks which promotions a cart of 150.00 can get
    Then the promotion "Big basket" is offered with a discount of 10.00
    And the promotion "Huge basket" is not offered

  Scenario: A disabled promotion is not applied
    Given a cart promotion "Big basket" giving 10.00 off on carts of 100.00 or more
    And the promotion "Big basket" has been switched off
    When Alice checks out a cart of 150.00 with "Big basket"
    Then the promotion is refused because it "is switched off"

  Scenario: A disabled promotion is not offered either
    Given a cart promotion "Big basket" giving 10.00 off on carts of 100.00 or more
    And the promotion "Big basket" has been switched off
    When Alice asks which promotions a cart of 150.00 can get
    Then the promotion "Big basket" is not offered

  Scenario: A discount that applies only to the matching items
    Given a cart promotion "Bean week" giving 20% off each item on "Coffee beans" only
    When Alice checks out with "Bean week" and this cart:
      | product      | quantity | price |
      | Coffee beans | 2        | 12.50 |
      | Grinder      | 1        | 45.00 |
    Then the item "Coffee beans" is discounted by 5.00
    And the item "Grinder" is discounted by 0.00
    And the cart total is 65.00
