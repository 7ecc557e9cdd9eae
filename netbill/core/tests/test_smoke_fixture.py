def test_fixture_builds_two_isps(isp, other_isp, client):
    assert isp.tenant.pk != other_isp.tenant.pk
    client.force_login(isp.ga)
    assert client.get("/operators/").status_code == 200
