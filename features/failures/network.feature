@failures
Feature: Network trouble fails clearly and never doubles a redemption
  If the API is down, slow or unstable, the shop learns it quickly and with a clear reason.
  Checks are tried again; a redemption whose answer was lost is never sent twice.

  Scenario: An API that cannot be reached fails the checkout quickly
    Given a coupon "SPRING10" giving 10.00 off
    And the API cannot be reached
    When Alice tries to check out a cart of 40.00 with "SPRING10"
    Then the checkout fails because the API "cannot be reached"
    And the shop knows within 10 seconds

  @emulator
  Scenario: An API slower than the shop's patience fails the check in time
    Given a coupon "SPRING10" giving 10.00 off
    And the API takes 3 seconds to answer
    And the shop's integration waits at most 1 second for an answer
    When Alice tries to check "SPRING10" against a cart of 40.00
    Then the checkout fails because the API "did not answer in time"
    And the shop knows within 3 seconds

  @emulator
  Scenario: A check succeeds once the API is available again
    Given a coupon "SPRING10" giving 10.00 off
    And the API is unavailable for the next 2 calls
    When Alice tries to check "SPRING10" against a cart of 40.00
    Then the coupon is accepted
    And the shop's integration retried 2 times

  @emulator
  Scenario: A redemption is not sent twice when the connection drops
    Given a single-use coupon "ONESHOT" giving 5.00 off
    And the connection to the API drops on the next call
    When Alice tries to check out a cart of 30.00 with "ONESHOT"
    Then the checkout fails because the API "dropped the connection"
    And the shop's integration sent it only once
    And "ONESHOT" has been used 0 times

  @emulator
  Scenario: A redemption that meets an internal error is not sent twice
    Given a single-use coupon "ONESHOT" giving 5.00 off
    And the API fails with an internal error on the next call
    When Alice tries to check out a cart of 30.00 with "ONESHOT"
    Then the checkout fails because the API "had an internal error"
    And the shop's integration sent it only once
    And "ONESHOT" has been used 0 times
