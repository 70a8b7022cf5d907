# ruff: noqa: RUF002 - the system is cited with the brackets of its official number
"""The chart of accounts of 《农村集体经济组织会计制度》 (财会〔2023〕14号), as plain data.

Its 42 first-level accounts with their three-digit codes, in the order of the system's list (顺序号 1-42).

Plain tuples, no model imports: the data migration loads the same table as a new organisation does.
See docs/accounting.md for the source and for what could and could not be checked against it.

Each first-level account: (code, name, kind, normal side). Kinds: asset, liability, equity, cost,
profit_loss; sides: debit, credit (the side on which its balance normally stands).
"""

from __future__ import annotations

ASSET, LIABILITY, EQUITY, COST, PROFIT_LOSS = "asset", "liability", "equity", "cost", "profit_loss"
DEBIT, CREDIT = "debit", "credit"

ACCOUNTS: tuple[tuple[str, str, str, str], ...] = (
    # 一、资产类
    ("101", "库存现金", ASSET, DEBIT),
    ("102", "银行存款", ASSET, DEBIT),
    ("111", "短期投资", ASSET, DEBIT),
    ("112", "应收款", ASSET, DEBIT),
    ("113", "内部往来", ASSET, DEBIT),
    ("121", "库存物资", ASSET, DEBIT),
    ("131", "消耗性生物资产", ASSET, DEBIT),
    ("132", "生产性生物资产", ASSET, DEBIT),
    ("133", "生产性生物资产累计折旧", ASSET, CREDIT),
    ("134", "公益性生物资产", ASSET, DEBIT),
    ("141", "长期投资", ASSET, DEBIT),
    ("151", "固定资产", ASSET, DEBIT),
    ("152", "累计折旧", ASSET, CREDIT),
    ("153", "在建工程", ASSET, DEBIT),
    ("154", "固定资产清理", ASSET, DEBIT),
    ("161", "无形资产", ASSET, DEBIT),
    ("162", "累计摊销", ASSET, CREDIT),
    ("171", "长期待摊费用", ASSET, DEBIT),
    ("181", "待处理财产损溢", ASSET, DEBIT),
    # 二、负债类
    ("201", "短期借款", LIABILITY, CREDIT),
    ("211", "应付款", LIABILITY, CREDIT),
    ("212", "应付工资", LIABILITY, CREDIT),
    ("213", "应付劳务费", LIABILITY, CREDIT),
    ("214", "应交税费", LIABILITY, CREDIT),
    ("221", "长期借款及应付款", LIABILITY, CREDIT),
    ("231", "一事一议资金", LIABILITY, CREDIT),
    ("241", "专项应付款", LIABILITY, CREDIT),
    # 三、所有者权益类
    ("301", "资本", EQUITY, CREDIT),
    ("311", "公积公益金", EQUITY, CREDIT),
    ("321", "本年收益", EQUITY, CREDIT),
    ("322", "收益分配", EQUITY, CREDIT),
    # 四、成本类
    ("401", "生产(劳务)成本", COST, DEBIT),
    # 五、损益类: the income accounts (50x), then the expense accounts (51x), then 所得税费用 (521)
    ("501", "经营收入", PROFIT_LOSS, CREDIT),
    ("502", "投资收益", PROFIT_LOSS, CREDIT),
    ("503", "补助收入", PROFIT_LOSS, CREDIT),
    ("504", "其他收入", PROFIT_LOSS, CREDIT),
    ("511", "经营支出", PROFIT_LOSS, DEBIT),
    ("512", "税金及附加", PROFIT_LOSS, DEBIT),
    ("513", "管理费用", PROFIT_LOSS, DEBIT),
    ("514", "公益支出", PROFIT_LOSS, DEBIT),
    ("515", "其他支出", PROFIT_LOSS, DEBIT),
    ("521", "所得税费用", PROFIT_LOSS, DEBIT),
)

# The sub-accounts every organisation starts with: (code, parent code, name, category). A sub-account's code
# is its parent's and two digits. The category ties an account to a line of the distribution
# (dividends/engine.py: land_operation, rental, ...): the run reads the year's revenue and expenses of each
# category from the posted vouchers of its accounts.
SUB_ACCOUNTS: tuple[tuple[str, str, str, str], ...] = (
    ("50101", "501", "土地经营", "revenue:land_operation"),
    ("50102", "501", "租赁", "revenue:rental"),
    ("5010201", "50102", "市场管理权", "revenue:rental:lvhe_market"),
    ("5010202", "50102", "食堂", "revenue:rental:township_canteen"),
    ("5010299", "50102", "其他租赁", "revenue:rental:other"),
    ("50103", "501", "加工销售", "revenue:processing"),
    ("50104", "501", "服务", "revenue:services"),
    ("50301", "503", "财政补助", "revenue:subsidies"),
    ("50401", "504", "其他收入", "revenue:other"),
    ("51101", "511", "土地经营", "expense:land_operation"),
    ("51102", "511", "租赁", "expense:rental"),
    ("51103", "511", "加工销售", "expense:processing"),
    ("51104", "511", "服务", "expense:services"),
    # Rent and wages come from the distribution run, never from an entry: no category, so a run never reads them.
    ("51105", "511", "保底租金", ""),
    ("51106", "511", "务工劳务费", ""),
    ("51301", "513", "管理费用", "expense:administration"),
    ("51501", "515", "其他支出", "expense:other"),
    ("20101", "201", "借入资金", "revenue:borrowing"),
    # What the distribution posts (docs/accounting.md, "The run's vouchers").
    ("21101", "211", "应付土地租金", ""),
    ("21102", "211", "应付土地分红", ""),
    ("21103", "211", "应付福利费", ""),
    ("21104", "211", "应付股利", ""),
    ("21105", "211", "应付农户分配", ""),
    ("32201", "322", "未分配收益", ""),
    ("32202", "322", "提取公积公益金", ""),
    ("32203", "322", "提取应付福利费", ""),
    ("32204", "322", "投资分利", ""),
    ("32205", "322", "农户分配", ""),
    ("32206", "322", "土地分红", ""),
    ("11201", "112", "应收股利", ""),
)

CASH, BANK = "101", "102"
RECEIVABLES, INTERNAL, PAYABLES = "112", "113", "211"
CURRENT_YEAR_PROFIT, PROFIT_DISTRIBUTION, UNDISTRIBUTED = "321", "322", "32201"

# Until 2026-12 the chart carried four-digit codes of our own (1001 库存现金 ... 5801 所得税费用); migration
# books/0003 renamed every organisation's accounts. A code of the old chart (typed from an older template, or
# in code written before the rename) is still served through current_code.
FORMER_CODES: dict[str, str] = {
    "1001": "101", "1002": "102", "1101": "111", "1111": "112", "1121": "113", "1131": "121",
    "1141": "131", "1142": "132", "1143": "133", "1144": "134", "1201": "141", "1301": "151",
    "1302": "152", "1303": "153", "1304": "154", "1401": "161", "1402": "162", "1501": "171",
    "1601": "181", "2001": "201", "2101": "211", "2111": "212", "2121": "213", "2131": "214",
    "2201": "221", "2301": "231", "2401": "241", "3001": "301", "3101": "311", "3201": "321",
    "3301": "322", "4001": "401", "5001": "501", "5401": "502", "5501": "503", "5601": "504",
    "5101": "511", "5201": "512", "5301": "513", "5302": "514", "5701": "515", "5801": "521",
}  # fmt: skip


def current_code(code: str) -> str:
    """The code an account has now, given a code of the former four-digit chart (or a current one, unchanged).

    Former codes had an even number of digits (four, then two per level), current ones have an odd number
    (three, then two per level), so the two never meet.
    """
    if len(code) % 2 == 0 and code[:4] in FORMER_CODES:
        return FORMER_CODES[code[:4]] + code[4:]
    return code
