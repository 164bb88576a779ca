from django.urls import path

from branches.portal.api import BranchFiguresView

urlpatterns = [path("<int:pk>/figures/", BranchFiguresView.as_view(), name="api-branch-figures")]
