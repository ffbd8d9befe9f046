@coupons
Feature: Answers keep the shape the shop's integration relies on
  The shop's integration reads fields from every answer. Each kind of answer is pinned to a
  recorded shape (identifiers, codes and times left out), so a change in what the service
  sends is noticed before it breaks the shop.

  Scenario: A successful checkout answers in the recorded shape
    Given a coupon "SHAPE10" giving 10.00 off
    When Alice checks out a cart of 40.00 with "SHAPE10"
    Then the checkout succeeds
    And the response has the shape of snapshot "redemption"

  Scenario: A check of a valid coupon answers in the recorded shape
    Given a coupon "SHAPE20" giving 10.00 off
    When Dana checks "SHAPE20" against a cart of 40.00
    Then the coupon is accepted
    And the response has the shape of snapshot "validation_valid"
