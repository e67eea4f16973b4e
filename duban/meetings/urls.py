from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_new, name="new"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("<int:pk>/", views.meeting, name="meeting"),
    path("<int:pk>/decide/", views.decide_plan, name="decide"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/notice/", views.issue_notice, name="notice"),
    path("<int:pk>/notice.docx", views.notice_docx, name="notice_docx"),
    path("<int:pk>/room/", views.room, name="room"),
    path("<int:pk>/room/live/", views.room_live, name="room_live"),
    path("<int:pk>/start/", views.start_meeting, name="start"),
    path("<int:pk>/end/", views.end_meeting, name="end"),
    path("<int:pk>/minutes/", views.minutes, name="minutes"),
    path("<int:pk>/minutes/issue/", views.issue_minutes, name="minutes_issue"),
    path("<int:pk>/minutes/hand-over/", views.hand_over, name="hand_over"),
    path("items/<int:pk>/start/", views.start_item, name="item_start"),
    path("items/<int:pk>/end/", views.end_item, name="item_end"),
    path("attendances/<int:pk>/leave/", views.request_leave, name="leave"),
    path("attendances/<int:pk>/decide/", views.decide_leave, name="leave_decide"),
]
