@coupons
Feature: Only the shop's own keys are accepted
  Calls with keys that do not belong to the project are refused, so a misconfigured
  integration fails loudly instead of silently giving no discounts.

  Scenario: A wrong API key is refused
    Given a coupon "SPRING10" giving 10.00 off
    And the shop's integration uses a wrong secret key
    When the shop looks up the coupon "SPRING10"
    Then the request is refused as unauthorized
