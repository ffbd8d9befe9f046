@referrals
Feature: What referrers and friends receive
  A program may count a friend when they do something other than buy, reward the friend too,
  and reward the referrer with a coupon once enough friends have come.

  Background:
    Given a loyalty program "Coffee club"
    And Alice has joined the program "Coffee club"

  Scenario: A friend counts when they open an account, not when they buy
    Given a referral program "Open an account" giving friends 5.00 off, counting a friend when "account_opened" happens
    And the referral program "Open an account" rewards the referrer with 50 points in "Coffee club" for each friend
    And Alice has joined the referral program "Open an account"
    When Bob checks out a cart of 50.00 with "Alice's referral code"
    Then the discount is 5.00
    And Alice has referred 0 friends
    When Bob does "account_opened" with "Alice's referral code"
    Then Alice has referred 1 friend
    And Alice's card in "Coffee club" holds 50 points

  Scenario: The friend is rewarded with points too
    Given a referral program "Both sides" giving friends 10.00 off and 30 points in "Coffee club"
    And Alice has joined the referral program "Both sides"
    When Bob checks out a cart of 50.00 with "Alice's referral code"
    Then Bob's card in "Coffee club" holds 30 points
    And Alice has referred 1 friend

  Scenario: A referrer earns a coupon once two friends have come
    Given an open coupon campaign "Thank you" giving 15.00 off
    And a referral program "Bring two" giving friends 10.00 off
    And the referral program "Bring two" rewards the referrer with a coupon of "Thank you" once 2 friends are referred
    And Alice has joined the referral program "Bring two"
    When Bob checks out a cart of 50.00 with "Alice's referral code"
    Then Alice holds no code of "Thank you"
    When Carol checks out a cart of 50.00 with "Alice's referral code"
    Then Alice holds 1 code of "Thank you"

  Scenario: The shop adds friends to a referral code
    Given a referral program "Bring a friend" giving friends 10.00 off
    And Alice has joined the referral program "Bring a friend"
    When the shop adds Bob and Carol as friends on "Alice's referral code"
    Then "Alice's referral code" names Alice as its referrer
    And "Alice's referral code" lists Bob and Carol as friends
