from django.urls import path

from coaching import views

app_name = "coaching"

urlpatterns = [
    path("waitlist/confirm/<str:token>/", views.confirm, name="confirm"),
    path("waitlist/status/<str:token>/", views.status, name="status"),
    path("waitlist/status/<str:token>/leave/", views.leave, name="leave"),
    path("waitlist/status/<str:token>/rejoin/", views.rejoin, name="rejoin"),
    path("waitlist/invitation/<str:token>/", views.invitation, name="invitation"),
    path("waitlist/invitation/<str:token>/checkout/", views.checkout, name="checkout"),
    path("waitlist/payment/success/", views.payment_success, name="payment-success"),
    path("learn/<int:course_id>/buy/", views.course_checkout, name="course-checkout"),
    path("learn/payment/success/", views.course_payment_success, name="course-payment-success"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
]
