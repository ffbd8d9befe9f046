@failures
Feature: Malformed checkouts are refused with a clear reason
  An integration that sends a broken or impossible checkout gets an error that says what is
  wrong, and nothing is redeemed, so the mistake is found before customers meet it.

  Background:
    Given a coupon "SPRING10" giving 10.00 off

  Scenario: A checkout cut off halfway is refused as not valid JSON
    When Alice sends a checkout with "SPRING10" that is cut off halfway
    Then the request is refused as invalid because "the body is not valid JSON"
    And "SPRING10" has been used 0 times
    And no redemption is recorded

  Scenario: A cart amount written as text is refused
    When Alice checks out with "SPRING10" and writes the cart amount 40.00 as text
    Then the request is refused as invalid because "the cart amount must be a whole number of cents"
    And "SPRING10" has been used 0 times

  Scenario: More than 30 coupons in one checkout are refused
    When Alice checks out a cart of 40.00 with 31 different coupons
    Then the request is refused as invalid because "at most 30 coupons can be used at once"
    And no redemption is recorded

  Scenario: The same coupon twice in one checkout is refused
    When Alice checks out a cart of 40.00 with "SPRING10" twice
    Then the request is refused as invalid because "the same coupon is used twice"
    And "SPRING10" has been used 0 times

  Scenario Outline: A cart with <cart> is refused
    When Alice checks out with "SPRING10" and <cart>
    Then the request is refused as invalid because "<reason>"
    And "SPRING10" has been used 0 times

    Examples:
      | cart                             | reason                             |
      | a negative cart amount           | the cart amount cannot be negative |
      | an item with a negative quantity | a quantity cannot be negative      |
      | an item with a negative price    | a price cannot be negative         |

  Scenario: A coupon presented as an unknown kind of discount is refused
    When Alice checks out a cart of 40.00 with "SPRING10" presented as an unknown kind of discount
    Then the request is refused as invalid because "only vouchers, promotions and promotion stacks can be redeemed"
    And "SPRING10" has been used 0 times
