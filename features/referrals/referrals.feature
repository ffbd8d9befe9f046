@referrals
Feature: Friends bring friends
  A referrer shares a personal code. A friend who buys with it gets the welcome discount and
  the order names the referrer. The referrer is rewarded once per friend, after the friend's
  purchase: never for a mere check, and never for using their own code.

  Background:
    Given a loyalty program "Coffee club"
    And a referral program "Bring a friend" giving friends 10.00 off
    And the referral program "Bring a friend" rewards the referrer with 100 points in "Coffee club" for each friend
    And Alice has joined the program "Coffee club"

  @smoke
  Scenario: A referrer gets a personal referral code
    When Alice joins the referral program "Bring a friend"
    Then Alice's wallet lists her referral code of "Bring a friend"
    And "Alice's referral code" names Alice as its referrer

  Scenario: A friend gets the welcome discount and the order names the referrer
    Given Alice has joined the referral program "Bring a friend"
    When Bob checks out a cart of 50.00 with "Alice's referral code"
    Then the discount is 10.00
    And the cart total is 40.00
    And Bob's order names Alice as the referrer

  Scenario: The referrer is rewarded after the friend's purchase, not on a check
    Given Alice has joined the referral program "Bring a friend"
    When Bob checks "Alice's referral code" against a cart of 50.00
    Then the coupon is accepted
    And Alice has referred 0 friends
    And Alice's card in "Coffee club" holds 0 points
    When Bob checks out a cart of 50.00 with "Alice's referral code"
    Then Alice has referred 1 friend
    And Bob was referred by Alice
    And Alice's card in "Coffee club" holds 100 points

  Scenario: A referrer cannot use their own code
    Given Alice has joined the referral program "Bring a friend"
    When Alice checks out a cart of 50.00 with "Alice's referral code"
    Then the coupon is refused because it "is the customer's own referral code"
    And Alice has referred 0 friends
    And Alice's card in "Coffee club" holds 0 points

  Scenario: A referral code needs to know who the friend is
    Given Alice has joined the referral program "Bring a friend"
    When an anonymous shopper checks out a cart of 50.00 with "Alice's referral code"
    Then the coupon is refused because it "is used without a customer"
    And Alice has referred 0 friends

  Scenario: A friend who buys twice counts once
    Given Alice has joined the referral program "Bring a friend"
    When Bob checks out a cart of 50.00 with "Alice's referral code"
    And Bob checks out a cart of 30.00 with "Alice's referral code"
    Then the discount is 10.00
    And Alice has referred 1 friend
    And Alice's card in "Coffee club" holds 100 points

  Scenario: Every new friend brings the referrer another reward
    Given Alice has joined the referral program "Bring a friend"
    When Bob checks out a cart of 50.00 with "Alice's referral code"
    And Carol checks out a cart of 20.00 with "Alice's referral code"
    Then Alice has referred 2 friends
    And Alice's card in "Coffee club" holds 200 points

  # Voucherify documents nothing about rollbacks and referrals. The emulator keeps the referral
  # and the referrer's reward: they were given as their own ledger entries, apart from the
  # friend's redemption, and only that redemption is undone.
  Scenario: Rolling back the friend's purchase keeps the referral and the referrer's reward
    Given Alice has joined the referral program "Bring a friend"
    When Bob checks out a cart of 50.00 with "Alice's referral code"
    And Bob's redemption is rolled back
    Then Alice has referred 1 friend
    And Bob was referred by Alice
    And Alice's card in "Coffee club" holds 100 points
