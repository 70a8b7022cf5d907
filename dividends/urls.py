from django.urls import path

from dividends import views

app_name = "dividends"

urlpatterns = [
    path("", views.index, name="index"),
    path("ledger/", views.ledger_list, name="ledger-list"),
    path("ledger/new/", views.ledger_create, name="ledger-create"),
    path("ledger/import/", views.ledger_import, name="ledger-import"),
    path("ledger/<int:pk>/", views.ledger_update, name="ledger-update"),
    path("ledger/<int:pk>/delete/", views.ledger_delete, name="ledger-delete"),
    path("income-statement/", views.income_statement, name="income-statement"),
    path("policies/", views.policy_list, name="policy-list"),
    path("policies/new/", views.policy_form, name="policy-create"),
    path("policies/<int:pk>/", views.policy_form, name="policy-update"),
    path("runs/", views.run_list, name="run-list"),
    path("runs/new/", views.run_create, name="run-create"),
    path("runs/<int:pk>/", views.run_detail, name="run-detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run-progress"),
    path("runs/<int:pk>/compute/", views.run_compute, name="run-compute"),
    path("runs/<int:pk>/publish/", views.run_publish, name="run-publish"),
    path("runs/<int:pk>/withdraw/", views.run_withdraw, name="run-withdraw"),
    path("runs/<int:pk>/approve/", views.run_approve, name="run-approve"),
    path("runs/<int:pk>/reverse/", views.run_reverse, name="run-reverse"),
    path("runs/<int:pk>/close/", views.run_close, name="run-close"),
    path("runs/<int:pk>/payouts/", views.payout_list, name="payout-list"),
    path("runs/<int:pk>/notice/<int:association_pk>/", views.notice, name="notice"),
    path("runs/<int:pk>/objections/", views.objection_list, name="objection-list"),
    path("runs/<int:pk>/payment/", views.payment, name="payment"),
    path("runs/<int:pk>/payment/exports/", views.payment_exports, name="payment-exports"),
    path("runs/<int:pk>/payment/<int:payer_pk>.<str:file_format>", views.payment_export, name="payment-export"),
    path("runs/<int:pk>/payment/<int:payer_pk>/paid/", views.payment_mark, name="payment-mark"),
    path("payouts/<int:payout_pk>/object/", views.objection_create, name="objection-create"),
    path("objections/<int:pk>/answer/", views.objection_answer, name="objection-answer"),
    path("statements/<int:household_pk>/<int:year>/", views.statement, name="statement"),
    path("statements/<int:household_pk>/<int:year>.pdf", views.statement_pdf, name="statement-pdf"),
]
