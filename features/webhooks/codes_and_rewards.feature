@webhooks @emulator
Feature: The shop hears about codes given and referrers rewarded
  Voucherify tells the shop's webhook endpoint whenever a code is given to a customer or a
  referrer is rewarded for a friend, so the shop can e-mail the code or thank the referrer.

  Scenario: A code given to a customer is announced to the shop
    Given the shop listens for webhooks about publications
    And a coupon campaign "Spring" of 2 single-use codes giving 10% off
    When the shop gives Alice a code of "Spring"
    Then within 5 seconds a publication-succeeded webhook arrives about Alice
    And within 5 seconds a voucher-published webhook arrives about Alice
    And the shop received exactly 1 publication-succeeded webhook

  Scenario: A refused publication announces nothing
    Given the shop listens for webhooks about publications
    And a coupon campaign "Spring" of 1 single-use code giving 10% off
    And the shop has given Alice a code of "Spring"
    When the shop gives Bob a code of "Spring"
    Then the code is not given because "the campaign has no code left"
    And within 5 seconds a publication-succeeded webhook arrives about Alice
    And the shop received exactly 1 publication-succeeded webhook

  Scenario: A referrer rewarded for a friend is announced to the shop
    Given the shop listens for webhooks about rewards
    And a loyalty program "Coffee club"
    And a referral program "Bring a friend" giving friends 10.00 off
    And the referral program "Bring a friend" rewards the referrer with 100 points in "Coffee club" for each friend
    And Alice has joined the referral program "Bring a friend"
    When Bob checks out a cart of 50.00 with "Alice's referral code"
    Then within 5 seconds a customer-rewarded webhook arrives about Alice
    And the shop received exactly 1 customer-rewarded webhook
