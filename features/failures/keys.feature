@failures
Feature: Only the right keys, in the right place, open the API
  The secret key belongs on the shop's server; the public client-side keys belong in web pages
  on the shop's own website. Calls with missing, mixed-up or misplaced keys are refused.

  Scenario: A request without API keys is refused
    Given a coupon "SPRING10" giving 10.00 off
    And the shop's integration sends no API keys
    When the shop looks up the coupon "SPRING10"
    Then the request is refused as unauthorized

  @emulator
  Scenario: The secret key of another project is refused
    Given a coupon "SPRING10" giving 10.00 off
    And the shop's integration uses the secret key of another project
    When the shop looks up the coupon "SPRING10"
    Then the request is refused as unauthorized

  @emulator
  Scenario: A page on the shop's website can check a coupon with the public keys
    Given a coupon "SPRING10" giving 10.00 off
    And the shop allows client-side calls from its website
    When a page on the shop's website checks "SPRING10" against a cart of 40.00
    Then the coupon is accepted
    And the discount is 10.00

  @emulator
  Scenario: A customer on the shop's website can redeem a coupon with the public keys
    Given a single-use coupon "WELCOME" giving 5.00 off
    And the shop allows client-side calls from its website
    When a customer on the shop's website checks out a cart of 30.00 with "WELCOME"
    Then the checkout succeeds
    And "WELCOME" has been used 1 time

  @emulator
  Scenario: A page on another website is refused even with the right public keys
    Given a coupon "SPRING10" giving 10.00 off
    And the shop allows client-side calls from its website
    When a page on another website checks "SPRING10" against a cart of 40.00
    Then the request is refused as unauthorized

  @emulator
  Scenario: The public keys do not open the server-side API
    Given a coupon "SPRING10" giving 10.00 off
    And the shop allows client-side calls from its website
    When the shop's server looks up the coupon "SPRING10" with the website's public keys
    Then the request is refused as unauthorized
