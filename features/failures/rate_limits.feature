@failures @emulator
Feature: Rate limits stop calls with a message that names the limit
  A Sandbox project allows 100 calls an hour and paid plans a number of calls per minute; web
  pages may make 5 calls in 5 seconds. Once a limit is used up, calls are refused until the
  period is over, and the shop is told which limit it hit.

  Background:
    Given a coupon "SPRING10" giving 10.00 off

  Scenario: The Sandbox tells the shop how many calls it has left
    Given the shop uses a Sandbox project
    When the shop looks up the coupon "SPRING10"
    Then the coupon "SPRING10" is found
    And the shop is told it has 99 calls left

  Scenario: The 101st call within an hour in the Sandbox is refused
    Given the shop uses a Sandbox project
    And the shop has already made 100 calls this hour
    When the shop looks up the coupon "SPRING10"
    Then the request is refused because the limit of 100 calls is used up

  Scenario: The Sandbox accepts calls again once the hour is over
    Given the shop uses a Sandbox project
    And the shop has already made 100 calls this hour
    And an hour passes
    When the shop looks up the coupon "SPRING10"
    Then the coupon "SPRING10" is found

  Scenario: A plan's calls per minute are refused once used up
    Given the shop's plan allows 20 calls a minute
    And the shop has already made 20 calls this minute
    When the shop looks up the coupon "SPRING10"
    Then the request is refused because the limit of 20 calls is used up

  Scenario: A web page making a sixth call within five seconds is refused
    Given the shop allows client-side calls from its website
    When a page on the shop's website checks "SPRING10" against a cart of 40.00 6 times in a row
    Then 5 checks are accepted and 1 is refused for too many calls in a short time
