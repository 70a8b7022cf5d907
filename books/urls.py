from django.urls import path

from books import views

app_name = "books"

urlpatterns = [
    path("", views.index, name="index"),
    path("accounts/", views.chart_of_accounts, name="chart"),
    path("vouchers/", views.voucher_list, name="voucher-list"),
    path("vouchers/new/", views.voucher_new, name="voucher-new"),
    path("vouchers/<int:pk>/", views.voucher_detail, name="voucher-detail"),
    path("vouchers/<int:pk>/review/", views.voucher_review, name="voucher-review"),
    path("vouchers/<int:pk>/post/", views.voucher_post, name="voucher-post"),
    path("vouchers/<int:pk>/reverse/", views.voucher_reverse, name="voucher-reverse"),
    path("periods/", views.period_close, name="period-close"),
    path("trial-balance/", views.trial_balance, name="trial-balance"),
    path("ledger/", views.ledger, name="ledger"),
    path("journal/<str:kind>/", views.journal, name="journal"),
    path("balance-sheet/", views.balance_sheet, name="balance-sheet"),
    path("income-statement/", views.income_statement, name="income-statement"),
    path("opening-balances/", views.opening_balances_page, name="opening-balances"),
    path("opening-balances/template.xlsx", views.opening_balances_template, name="opening-balances-template"),
    path("bank-reconciliation/", views.bank_reconciliation, name="bank-reconciliation"),
    path("disclosures/", views.disclosure_list, name="disclosure-list"),
    path("disclosures/mine/", views.member_disclosures, name="member-disclosures"),
]
