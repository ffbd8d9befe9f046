@data_integrity @emulator
Feature: The audit log shows every call the shop made, without secrets
  Every call the integration makes is kept in the project's audit log with its outcome and
  request id, so support can trace a customer's complaint to the exact request. Secret keys
  are never kept.

  Scenario: A redemption is listed in the audit log with its outcome and request id
    Given a coupon "SAVE10" giving 10.00 off
    When Alice checks out a cart of 80.00 with "SAVE10"
    Then the audit log lists Alice's redemption as answered successfully
    And no secret key appears anywhere in the audit log

  Scenario: A refused redemption can be traced by the request id the shop was given
    Given a single-use coupon "LASTONE" giving 5.00 off
    And Alice has already redeemed "LASTONE"
    When Bob checks out a cart of 30.00 with "LASTONE"
    Then the audit log lists Bob's refused redemption with the request id the shop was given
    And the audit log shows 1 refused request

  Scenario: Checks the API turned away are in the audit log before the one it accepted
    Given a coupon "SPRING10" giving 10.00 off
    And the API is unavailable for the next 2 calls
    When Alice tries to check "SPRING10" against a cart of 40.00
    Then the coupon is accepted
    And the audit log shows 2 checks answered as unavailable before the accepted one
