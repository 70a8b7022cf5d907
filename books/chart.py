"""The chart of accounts of 《农村集体经济组织会计制度》 (财会[2023]14号), as plain data.

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
    ("1001", "库存现金", ASSET, DEBIT),
    ("1002", "银行存款", ASSET, DEBIT),
    ("1101", "短期投资", ASSET, DEBIT),
    ("1111", "应收款", ASSET, DEBIT),
    ("1121", "内部往来", ASSET, DEBIT),
    ("1131", "库存物资", ASSET, DEBIT),
    ("1141", "消耗性生物资产", ASSET, DEBIT),
    ("1142", "生产性生物资产", ASSET, DEBIT),
    ("1143", "生产性生物资产累计折旧", ASSET, CREDIT),
    ("1144", "公益性生物资产", ASSET, DEBIT),
    ("1201", "长期投资", ASSET, DEBIT),
    ("1301", "固定资产", ASSET, DEBIT),
    ("1302", "累计折旧", ASSET, CREDIT),
    ("1303", "在建工程", ASSET, DEBIT),
    ("1304", "固定资产清理", ASSET, DEBIT),
    ("1401", "无形资产", ASSET, DEBIT),
    ("1402", "累计摊销", ASSET, CREDIT),
    ("1501", "长期待摊费用", ASSET, DEBIT),
    ("1601", "待处理财产损溢", ASSET, DEBIT),
    # 二、负债类
    ("2001", "短期借款", LIABILITY, CREDIT),
    ("2101", "应付款", LIABILITY, CREDIT),
    ("2111", "应付工资", LIABILITY, CREDIT),
    ("2121", "应付劳务费", LIABILITY, CREDIT),
    ("2131", "应交税费", LIABILITY, CREDIT),
    ("2201", "长期借款及应付款", LIABILITY, CREDIT),
    ("2301", "一事一议资金", LIABILITY, CREDIT),
    ("2401", "专项应付款", LIABILITY, CREDIT),
    # 三、所有者权益类
    ("3001", "资本", EQUITY, CREDIT),
    ("3101", "公积公益金", EQUITY, CREDIT),
    ("3201", "本年收益", EQUITY, CREDIT),
    ("3301", "收益分配", EQUITY, CREDIT),
    # 四、成本类
    ("4001", "生产(劳务)成本", COST, DEBIT),
    # 五、损益类
    ("5001", "经营收入", PROFIT_LOSS, CREDIT),
    ("5101", "经营支出", PROFIT_LOSS, DEBIT),
    ("5201", "税金及附加", PROFIT_LOSS, DEBIT),
    ("5301", "管理费用", PROFIT_LOSS, DEBIT),
    ("5302", "公益支出", PROFIT_LOSS, DEBIT),
    ("5401", "投资收益", PROFIT_LOSS, CREDIT),
    ("5501", "补助收入", PROFIT_LOSS, CREDIT),
    ("5601", "其他收入", PROFIT_LOSS, CREDIT),
    ("5701", "其他支出", PROFIT_LOSS, DEBIT),
    ("5801", "所得税费用", PROFIT_LOSS, DEBIT),
)

# The sub-accounts every organisation starts with: (code, parent code, name, category). The category
# ties an account to a line of the distribution (dividends/engine.py: land_operation, rental, ...): the
# run reads the year's revenue and expenses of each category from the posted vouchers of its accounts.
SUB_ACCOUNTS: tuple[tuple[str, str, str, str], ...] = (
    ("500101", "5001", "土地经营", "revenue:land_operation"),
    ("500102", "5001", "租赁", "revenue:rental"),
    ("50010201", "500102", "市场管理权", "revenue:rental:lvhe_market"),
    ("50010202", "500102", "食堂", "revenue:rental:township_canteen"),
    ("50010299", "500102", "其他租赁", "revenue:rental:other"),
    ("500103", "5001", "加工销售", "revenue:processing"),
    ("500104", "5001", "服务", "revenue:services"),
    ("550101", "5501", "财政补助", "revenue:subsidies"),
    ("560101", "5601", "其他收入", "revenue:other"),
    ("510101", "5101", "土地经营", "expense:land_operation"),
    ("510102", "5101", "租赁", "expense:rental"),
    ("510103", "5101", "加工销售", "expense:processing"),
    ("510104", "5101", "服务", "expense:services"),
    # Rent and wages come from the distribution run, never from an entry: no category, so a run never reads them.
    ("510105", "5101", "保底租金", ""),
    ("510106", "5101", "务工劳务费", ""),
    ("530101", "5301", "管理费用", "expense:administration"),
    ("570101", "5701", "其他支出", "expense:other"),
    ("200101", "2001", "借入资金", "revenue:borrowing"),
    # What the distribution posts (docs/accounting.md, "The run's vouchers").
    ("210101", "2101", "应付土地租金", ""),
    ("210102", "2101", "应付土地分红", ""),
    ("210103", "2101", "应付福利费", ""),
    ("210104", "2101", "应付股利", ""),
    ("210105", "2101", "应付农户分配", ""),
    ("330101", "3301", "未分配收益", ""),
    ("330102", "3301", "提取公积公益金", ""),
    ("330103", "3301", "提取应付福利费", ""),
    ("330104", "3301", "投资分利", ""),
    ("330105", "3301", "农户分配", ""),
    ("330106", "3301", "土地分红", ""),
    ("111101", "1111", "应收股利", ""),
)

CASH, BANK = "1001", "1002"
CURRENT_YEAR_PROFIT, PROFIT_DISTRIBUTION, UNDISTRIBUTED = "3201", "3301", "330101"
