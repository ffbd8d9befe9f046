"""The official Python SDK (PyPI voucherify), unchanged, against the emulator.

Its strict pydantic models check every answer: field types, enums, integers for money.
Usage: VOUCHERIFY_API_URL=... VOUCHERIFY_APP_ID=... VOUCHERIFY_SECRET_KEY=... python check.py
"""
import os
import sys
import time

import voucherify
from voucherify.rest import ApiException

checks = 0


def expect(what, condition, detail=None):
    global checks
    checks += 1
    if not condition:
        print(f"FAILED: {what} {detail if detail is not None else ''}", file=sys.stderr)
        sys.exit(1)
    print(f"ok - {what}")


configuration = voucherify.Configuration(
    host=os.environ["VOUCHERIFY_API_URL"],
    api_key={"X-App-Id": os.environ["VOUCHERIFY_APP_ID"], "X-App-Token": os.environ["VOUCHERIFY_SECRET_KEY"]},
)
code = f"PY-{int(time.time() * 1000)}"
with voucherify.ApiClient(configuration) as client:
    vouchers = voucherify.VouchersApi(client)
    validations = voucherify.ValidationsApi(client)
    redemptions = voucherify.RedemptionsApi(client)

    created = vouchers.create_voucher(
        code,
        voucherify.VouchersCreateWithSpecificCodeRequestBody(
            type="DISCOUNT_VOUCHER",
            discount=voucherify.Discount(type="AMOUNT", amount_off=1000),
            redemption=voucherify.VouchersCreateWithSpecificCodeRequestBodyRedemption(quantity=1),
        ),
    )
    expect("create_voucher returns the voucher", created.code == code and created.id.startswith("v_"), created)

    got = vouchers.get_voucher(code)
    expect("get_voucher reads it back", got.redemption.quantity == 1, got.redemption)

    body = {
        "redeemables": [{"object": "voucher", "id": code}],
        "order": {"amount": 5000},
        "customer": {"source_id": "py-customer"},
    }
    validation = validations.validate_stacked_discounts(voucherify.ValidationsValidateRequestBody.from_dict(body))
    expect("validate_stacked_discounts says valid", validation.valid is True, validation)
    expect("the validation computes the total", validation.order.total_amount == 4000, validation.order)

    redeemed = redemptions.redeem_stacked_discounts(voucherify.RedemptionsRedeemRequestBody.from_dict(body))
    redemption_id = redeemed.redemptions[0].id
    expect("redeem_stacked_discounts succeeds", redeemed.redemptions[0].result == "SUCCESS", redeemed)

    try:
        redemptions.redeem_stacked_discounts(voucherify.RedemptionsRedeemRequestBody.from_dict(body))
        expect("a second redemption of a single-use code is refused", False)
    except ApiException as e:
        expect("a second redemption is refused with 400 quantity_exceeded", e.status == 400 and "quantity_exceeded" in (e.body or ""), e.body)

    rollback = redemptions.rollback_redemption(redemption_id, reason="python sdk check")
    expect("rollback_redemption succeeds", rollback.result == "SUCCESS" and rollback.redemption == redemption_id, rollback)

    after = vouchers.get_voucher(code)
    expect("the rollback gives the use back", after.redemption.redeemed_quantity == 0, after.redemption)

    one = redemptions.get_redemption(redemption_id)
    expect("get_redemption shows the rollback", one.status == "ROLLED_BACK", one)

print(f"{checks} checks passed with the voucherify Python SDK")
