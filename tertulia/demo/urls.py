from django.urls import path

from tertulia.demo import views

app_name = "demo"
urlpatterns = [path("demo/", views.demo, name="shop")]
