@loyalty
Feature: Customers earn loyalty points
  Members of the coffee club earn points when they pay orders or do what the club rewards.
  Unpaid or canceled orders earn nothing, and partial steps of spending earn nothing either.

  Background:
    Given a loyalty program "Coffee club"

  @smoke
  Scenario: A customer joins the program with an empty card
    When Alice joins the program "Coffee club"
    Then Alice's card in "Coffee club" holds 0 points

  Scenario: A paid order earns the program's fixed points
    Given the program "Coffee club" gives 50 points for every paid order
    And Alice has joined the program "Coffee club"
    When Alice's order of 30.00 is paid
    Then Alice's card in "Coffee club" holds 50 points

  Scenario Outline: Points for every amount spent count whole steps only
    Given the program "Coffee club" gives 1 point for every 10.00 spent
    And Alice has joined the program "Coffee club"
    When Alice's order of <order> is paid
    Then Alice's card in "Coffee club" holds <points> points

    Examples:
      | order  | points |
      | 9.99   | 0      |
      | 25.99  | 2      |
      | 100.00 | 10     |

  Scenario: A custom event earns points
    Given the program "Coffee club" gives 20 points when the custom event "review_written" happens
    And Alice has joined the program "Coffee club"
    When Alice does "review_written"
    Then Alice's card in "Coffee club" holds 20 points

  Scenario Outline: An order that is not paid earns nothing
    Given the program "Coffee club" gives 50 points for every paid order
    And Alice has joined the program "Coffee club"
    When Alice's order of 30.00 is <state>
    Then Alice's card in "Coffee club" holds 0 points

    Examples:
      | state               |
      | placed but not paid |
      | canceled            |

  Scenario: The points history lists every movement
    Given the program "Coffee club" gives 50 points for every paid order
    And the program "Coffee club" offers "Free espresso", a coupon giving 3.00 off, for 40 points
    And Alice has joined the program "Coffee club"
    When Alice's order of 30.00 is paid
    And Alice redeems the reward "Free espresso"
    Then Alice's points history in "Coffee club" reads:
      | movement          | points |
      | points earned     | 50     |
      | points spent      | -40    |
    And Alice's card in "Coffee club" holds 10 points
