from django.urls import path

from payments import views, views_budgets, views_cofinancing, views_runs

app_name = "payments"

urlpatterns = [
    path("lots/", views_runs.RunListView.as_view(), name="runs"),
    path("lots/<int:pk>/", views_runs.run_detail, name="run_detail"),
    path("lots/<int:pk>/progression/", views_runs.run_progress, name="run_progress"),
    path("lots/<int:pk>/actions/<slug:action>/", views_runs.run_action, name="run_action"),
    path("lots/<int:pk>/fichier-sepa/", views_runs.run_file, name="run_file"),
    path("lots/<int:pk>/export-comptable.csv", views_runs.run_accounting_export, name="run_accounting_export"),
    path("lots/<int:pk>/pain002/", views_runs.run_pain002, name="run_pain002"),
    path("virements/<int:pk>/releve.csv", views_runs.transfer_statement, name="transfer_statement"),
    path("virements/<int:pk>/rejet/", views_runs.transfer_return, name="transfer_return"),
    path("lignes/", views.PayableLineListView.as_view(), name="lines"),
    path("comptes-signales/", views.flagged_accounts, name="flagged_accounts"),
    path("comptes-signales/<int:pk>/corriger/", views.account_correct, name="account_correct"),
    path("titres-de-recette/", views.RecoveryOrderListView.as_view(), name="recovery_orders"),
    path("titres-de-recette/<int:pk>/recouvre/", views.recovery_order_settled, name="recovery_order_settle"),
    path("budgets/", views_budgets.budget_dashboard, name="budgets"),
    path("budgets/saisie/", views_budgets.budget_entry, name="budget_entry"),
    path("budgets/saisie/branches/", views_budgets.budget_branch_entry, name="budget_branch_entry"),
    path("lignes-de-financement/<int:pk>/", views_cofinancing.funding_line, name="funding_line"),
    path("lignes-de-financement/<int:pk>/consommer/", views_cofinancing.funding_line_consume_view, name="funding_line_consume"),
    path("lignes-de-financement/<int:pk>/degager/", views_cofinancing.funding_line_release_view, name="funding_line_release"),
]
