app_name = "collective"

urlpatterns: list = []
