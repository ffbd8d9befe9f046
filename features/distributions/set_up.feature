@distributions @emulator
Feature: A malformed distribution is refused with a clear reason
  A distribution that cannot work is refused when it is set up, with a message that says
  what to fix, instead of silently sending nothing later.

  Scenario: A distribution without a channel is refused
    When the shop sets up a distribution without a channel
    Then the distribution is refused because "it has no channel"

  Scenario: A distribution with an unknown trigger is refused
    When the shop sets up a distribution with a trigger that does not exist
    Then the distribution is refused because "its trigger is unknown"

  Scenario: A distribution whose message has a broken placeholder is refused
    When the shop sets up a distribution e-mailing "Hello {{customer.name"
    Then the distribution is refused because "its message has a broken placeholder"
