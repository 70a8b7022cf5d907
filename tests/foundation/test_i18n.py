from django.urls import reverse


def test_the_login_page_is_in_chinese_by_default(client, db):
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    assert "Log in" not in html


def test_the_login_and_home_pages_are_in_english_after_switching(client, township_official):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html
    client.force_login(township_official)
    html = client.get(reverse("home")).content.decode()
    assert "Village collective economic associations" in html


def test_the_home_page_is_in_chinese_by_default(client, township_official):
    client.force_login(township_official)
    html = client.get(reverse("home")).content.decode()
    assert "村股份经济合作社" in html or "村集体经济组织" in html
    assert "Village collective economic associations" not in html
