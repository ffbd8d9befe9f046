@webhooks @emulator
Feature: Webhook trouble never holds up a checkout
  A webhook endpoint that is down, slow or failing must not slow down or break the checkout
  that caused the news. Voucherify retries a failing endpoint a few times, then gives up and
  switches the endpoint off; a call the shop cannot verify is refused by the shop.

  Background:
    Given a coupon "SUMMER10" giving 10% off

  Scenario: A failing endpoint is retried, then given up and switched off
    Given the shop's webhook endpoint answers every call with a server error
    And failed webhooks are retried 2 times
    And the shop listens for webhooks about redemptions
    When Alice checks out a cart of 50.00 with "SUMMER10"
    Then the checkout succeeds in under 1 second
    And within 5 seconds the redemption-succeeded webhook is given up after 3 attempts
    And the shop's webhook endpoint has been switched off

  Scenario: A slow endpoint does not slow down the checkout
    Given the shop's webhook endpoint takes 2 seconds to answer
    And the shop listens for webhooks about redemptions
    When Alice checks out a cart of 50.00 with "SUMMER10"
    Then the checkout succeeds in under 1 second
    And within 5 seconds a redemption-succeeded webhook arrives for "SUMMER10"

  Scenario: An endpoint that is down does not break the checkout
    Given the shop's webhook endpoint is down
    And failed webhooks are retried 1 time
    And the shop listens for webhooks about redemptions
    When Alice checks out a cart of 50.00 with "SUMMER10"
    Then the checkout succeeds in under 1 second
    And within 5 seconds the redemption-succeeded webhook is given up after 2 attempts

  Scenario: A webhook whose signature does not match is caught by the shop
    Given the shop checks webhook signatures with an outdated secret
    And the shop listens for webhooks about redemptions
    When Alice checks out a cart of 50.00 with "SUMMER10"
    Then within 5 seconds the shop rejects a redemption-succeeded webhook because its signature does not match

  Scenario: A webhook endpoint without an address is refused with a clear error
    When the shop registers a webhook endpoint without an address
    Then the webhook is refused because "it has no address"

  Scenario: A webhook endpoint for an unknown event is refused with a clear error
    When the shop registers a webhook endpoint for an event that does not exist
    Then the webhook is refused because "it listens for an unknown event"
