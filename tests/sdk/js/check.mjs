// The official JS SDK, unchanged, against the emulator: create, validate, redeem, roll back.
// Usage: VOUCHERIFY_API_URL=... VOUCHERIFY_APP_ID=... VOUCHERIFY_SECRET_KEY=... node check.mjs
import sdk from '@voucherify/sdk'

const { VoucherifyServerSide } = sdk

const client = VoucherifyServerSide({
  applicationId: process.env.VOUCHERIFY_APP_ID,
  secretKey: process.env.VOUCHERIFY_SECRET_KEY,
  apiUrl: process.env.VOUCHERIFY_API_URL,
})

let checks = 0
function expect(what, condition, detail) {
  checks += 1
  if (!condition) {
    console.error(`FAILED: ${what}`, detail === undefined ? '' : JSON.stringify(detail))
    process.exit(1)
  }
  console.log(`ok - ${what}`)
}

const code = `SDK-${Date.now()}`
const voucher = await client.vouchers.create({
  code,
  type: 'DISCOUNT_VOUCHER',
  discount: { type: 'AMOUNT', amount_off: 1000 },
  redemption: { quantity: 1 },
})
expect('vouchers.create returns the voucher', voucher.code === code && voucher.id.startsWith('v_'), voucher)

const generated = await client.vouchers.create({ type: 'DISCOUNT_VOUCHER', discount: { type: 'PERCENT', percent_off: 10 } })
expect('vouchers.create without a code generates one', typeof generated.code === 'string' && generated.code.length > 0, generated)

const order = { amount: 5000 }
const customer = { source_id: 'sdk-customer' }
const validation = await client.validations.validateStackable({ redeemables: [{ object: 'voucher', id: code }], order, customer })
expect('validations.validateStackable says valid', validation.valid === true, validation)
expect('the validation carries stacking_rules', validation.stacking_rules && validation.stacking_rules.redeemables_limit >= 1, validation)
expect('the validation computes the total', validation.order.total_amount === 4000, validation.order)

const legacy = await client.validations.validateVoucher(code, { order })
expect('validations.validateVoucher (legacy) says valid', legacy.valid === true, legacy)

const redemption = await client.redemptions.redeemStackable({ redeemables: [{ object: 'voucher', id: code }], order, customer })
const redemptionId = redemption.redemptions[0].id
expect('redemptions.redeemStackable succeeds', redemption.redemptions[0].result === 'SUCCESS' && redemption.order.status === 'PAID', redemption)

try {
  await client.redemptions.redeemStackable({ redeemables: [{ object: 'voucher', id: code }], order, customer })
  expect('a second redemption of a single-use code is refused', false)
} catch (error) {
  expect('a second redemption is refused with quantity_exceeded', error.code === 400 && error.key === 'quantity_exceeded', error)
}

const rollback = await client.redemptions.rollback(redemptionId, 'sdk check')
expect('redemptions.rollback succeeds', rollback.result === 'SUCCESS' && rollback.redemption === redemptionId, rollback)

const after = await client.vouchers.get(code)
expect('the rollback gives the use back', after.redemption.redeemed_quantity === 0, after.redemption)

const list = await client.redemptions.list({ customer: 'sdk-customer' })
expect('redemptions.list finds the customer\'s redemptions', list.total >= 2, list)

try {
  await client.vouchers.get('NO-SUCH-CODE')
  expect('an unknown code is refused', false)
} catch (error) {
  expect('an unknown code gives a VoucherifyError 404 not_found', error.code === 404 && error.key === 'not_found', error)
}

// A referral program: the referrer's code is published to them, the referrer cannot use it,
// and a friend's redemption names the referrer and rewards them (an emulator extension sets
// the referrer's reward; the real service sets it in the Dashboard).
const stamp = Date.now()
const club = await client.loyalties.create({ name: `SDK club ${stamp}`, voucher: { type: 'LOYALTY_CARD', loyalty_card: { points: 0 } } })
const referral = await client.campaigns.create({
  name: `SDK referrals ${stamp}`,
  campaign_type: 'REFERRAL_PROGRAM',
  voucher: { type: 'DISCOUNT_VOUCHER', discount: { type: 'AMOUNT', amount_off: 500 } },
  referral_program: {
    conversion_event_type: 'redemption',
    referrer_rewards: [{ reward: { type: 'LOYALTY_POINTS', campaign_id: club.id, points: 100 } }],
  },
})
const referrer = { source_id: `sdk-referrer-${stamp}` }
const friend = { source_id: `sdk-friend-${stamp}` }
const publication = await client.distributions.publications.create({ customer: referrer, campaign: { name: referral.id } })
const referralCode = publication.voucher.code
expect('distributions.publications.create gives the referrer a referral code', publication.voucher.is_referral_code === true, publication)
try {
  await client.redemptions.redeemStackable({ redeemables: [{ object: 'voucher', id: referralCode }], order, customer: referrer })
  expect('the referrer cannot redeem their own code', false)
} catch (error) {
  expect('the referrer gets referrer_not_permitted_to_redeem', error.code === 400 && error.key === 'referrer_not_permitted_to_redeem', error)
}
const referred = await client.redemptions.redeemStackable({ redeemables: [{ object: 'voucher', id: referralCode }], order, customer: friend })
const referrerProfile = await client.customers.get(referrer.source_id)
expect('the friend\'s order names the referrer', referred.order.referrer_id === referrerProfile.id, referred.order)
expect('the referrer counts one referred customer and 100 points', referrerProfile.loyalty.referred_customers === 1 && referrerProfile.loyalty.points === 100, referrerProfile.loyalty)

console.log(`${checks} checks passed with @voucherify/sdk`)
