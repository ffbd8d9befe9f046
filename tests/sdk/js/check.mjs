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

console.log(`${checks} checks passed with @voucherify/sdk`)
