"""The protocol as bytes on a real TCP connection, with the raw client."""

import socket
import ssl
import time

import pytest

from tools.routeros_sim import ConnectionClosed, RawClient
from tools.routeros_sim.codec import encode_sentence, encode_word
from tools.routeros_sim.tls import client_context, make_test_certificates, server_context

from .conftest import ROUTEROS_SIM_PASSWORD


def kinds(replies):
    return [reply.kind for reply in replies]


def assert_closed(client: RawClient) -> None:
    with pytest.raises((ConnectionClosed, ConnectionResetError)):
        client.read_words()


# -- session ---------------------------------------------------------------------------------


def test_anything_before_login_is_fatal_and_closes(sim):
    with sim.client(login=False) as client:
        replies = client.talk("/system/resource/print")
        assert kinds(replies) == ["!fatal"]
        assert replies[0].attrs["message"] == "not logged in"
        assert_closed(client)


def test_login_succeeds_with_plain_credentials(sim):
    with sim.client(login=False) as client:
        replies = client.talk(
            "/login", "=name=admin", f"=password={ROUTEROS_SIM_PASSWORD}", tag="L"
        )
        assert [(r.kind, r.attrs, r.tag) for r in replies] == [("!done", {}, "L")]
        assert client.call("/system/identity/print") == [{"name": "MikroTik"}]
    assert "user admin logged in from 127.0.0.1 via api" in sim.state.log_messages()


@pytest.mark.parametrize(
    "words",
    [
        ("=name=admin", "=password=wrong"),
        ("=name=nobody", f"=password={ROUTEROS_SIM_PASSWORD}"),
        ("=name=admin",),
        (),  # the pre-6.43 challenge login
    ],
)
def test_wrong_credentials_trap_then_done_and_the_session_stays_open(sim, words):
    with sim.client(login=False) as client:
        replies = client.talk("/login", *words)
        assert kinds(replies) == ["!trap", "!done"]
        assert replies[0].attrs["message"] == "invalid user name or password (6)"
        # Still not logged in, still connected: a second try works.
        assert kinds(client.login("admin", ROUTEROS_SIM_PASSWORD)) == ["!done"]


def test_disabled_user_cannot_log_in(sim):
    sim.state.set("/user", "admin", disabled="yes")
    with sim.client(login=False) as client:
        assert kinds(client.login("admin", ROUTEROS_SIM_PASSWORD)) == ["!trap", "!done"]


def test_quit_is_fatal_session_terminated(client, sim):
    replies = client.talk("/quit")
    assert [(r.kind, r.attrs) for r in replies] == [
        ("!fatal", {"message": "session terminated on request"})
    ]
    assert_closed(client)
    deadline = time.monotonic() + 2
    while "user admin logged out from 127.0.0.1 via api" not in sim.state.log_messages():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_empty_sentences_are_ignored(client):
    client.send_raw(b"\x00\x00")
    assert client.call("/system/identity/print") == [{"name": "MikroTik"}]


def test_reserved_control_byte_closes_the_connection(client):
    client.send_raw(b"\xf8\x00\x00\x00\x00")
    assert_closed(client)


# -- replies -----------------------------------------------------------------------------------


def test_every_reply_echoes_the_tag(client):
    client.call("/ppp/secret/add", "=name=alice", "=password=x")
    for replies in (
        client.talk("/ppp/secret/print", tag="p"),
        client.talk("/ppp/secret/add", "=name=alice", tag="dup"),
        client.talk("/ppp/secret/print", "=count-only=", tag="c"),
        client.talk("/nothing/print", tag="n"),
    ):
        assert replies and all(reply.tag == replies[0].tag for reply in replies)
        assert replies[0].tag in ("p", "dup", "c", "n")
        assert kinds(replies).count("!done") == 1
        assert replies[-1].kind == "!done"


def test_add_returns_hex_ids_and_set_remove_take_them(client):
    ids = [client.call("/ppp/secret/add", f"=name=u{n}")[-1]["ret"] for n in range(30)]
    assert ids[:3] == ["*1", "*2", "*3"]
    assert ids[9:11] == ["*A", "*B"]
    assert ids[25:27] == ["*1A", "*1B"]
    client.call("/ppp/secret/set", "=.id=*1a", "=comment=lower-case id")
    assert client.call("/ppp/secret/print", "?.id=*1A", "=.proplist=comment") == [
        {"comment": "lower-case id"}
    ]


def test_values_are_strings_on_the_wire(client):
    """librouteros would turn these into int/bool; the router sends text."""
    client.call("/ppp/secret/add", "=name=12345", "=password=12345", "=disabled=yes")
    (row,) = client.call("/ppp/secret/print", "?name=12345")
    assert row["password"] == "12345"
    assert row["disabled"] == "true"
    assert row["limit-bytes-in"] == "0"
    client.call("/ppp/secret/set", "=numbers=12345", "=disabled=no")
    (row,) = client.call("/ppp/secret/print", "?name=12345", "=.proplist=disabled")
    assert row == {"disabled": "false"}


def test_count_only_answers_in_ret(client):
    for name in ("a", "b", "c"):
        client.call("/ppp/secret/add", f"=name={name}")
    replies = client.talk("/ppp/secret/print", "=count-only=", "?name=b", "?#!")
    assert [(r.kind, r.attrs) for r in replies] == [("!done", {"ret": "2"})]


def test_proplist_limits_the_properties(client):
    client.call("/ppp/secret/add", "=name=alice", "=password=p", "=comment=c")
    assert client.call("/ppp/secret/print", "=.proplist=.id,name,comment") == [
        {".id": "*1", "name": "alice", "comment": "c"}
    ]
    assert client.call("/ppp/secret/print", ".proplist=name") == [{"name": "alice"}]


def test_queries_with_operations_on_the_wire(client):
    for name, service, profile in (
        ("a", "pppoe", "default"),
        ("b", "pppoe", "default-encryption"),
        ("c", "l2tp", "default"),
        ("d", "sstp", "default-encryption"),
    ):
        client.call(
            "/ppp/secret/add", f"=name={name}", f"=service={service}", f"=profile={profile}"
        )
    rows = client.call(
        "/ppp/secret/print", "?service=l2tp", "?service=sstp", "?#|", "=.proplist=name"
    )
    assert rows == [{"name": "c"}, {"name": "d"}]
    rows = client.call(
        "/ppp/secret/print",
        "?service=pppoe",
        "?profile=default",
        "?#&!",
        "=.proplist=name",
    )
    assert rows == [{"name": "b"}, {"name": "c"}, {"name": "d"}]
    rows = client.call("/ppp/secret/print", "?>name=b", "?-comment", "=.proplist=name")
    assert rows == [{"name": "c"}, {"name": "d"}]
    replies = client.talk("/ppp/secret/print", "?#&z")
    assert kinds(replies) == ["!trap", "!done"]


def test_error_wording(client):
    def trap(*words):
        replies = client.talk(*words)
        assert kinds(replies) == ["!trap", "!done"], replies
        return replies[0].attrs.get("message"), replies[0].attrs.get("category")

    assert trap("/ppp/nothing/print") == ("no such command prefix", "0")
    assert trap("/ppp/secret/frobnicate") == ("no such command", "0")
    assert trap("/ppp") == ("no such command", "0")
    assert trap("/ppp/secret/remove", "=.id=*99") == ("no such item", None)
    assert trap("/ppp/secret/set", "=numbers=ghost", "=comment=x") == ("no such item", None)
    assert trap("/ppp/secret/add", "=name=x", "=colour=blue") == ("unknown parameter", "1")
    assert trap("/ppp/secret/add", "=password=x") == (
        "missing value(s) of argument(s) name",
        "1",
    )
    client.call("/ppp/secret/add", "=name=x")
    assert trap("/ppp/secret/add", "=name=x") == (
        "failure: secret with the same name already exists",
        None,
    )
    assert trap("/ppp/secret/add", "=name=y", "=profile=gold") == (
        "input does not match any value of profile",
        "1",
    )
    assert trap("/ppp/secret/add", "=name=y", "=service=carrier-pigeon") == (
        "input does not match any value of service",
        "1",
    )
    assert trap("/ppp/secret/add", "=name=y", "=remote-address=10.0.0.300") == (
        "invalid value for argument remote-address",
        "1",
    )
    assert trap("/ppp/secret/add", "=name=y", "=disabled=maybe") == (
        "invalid value for argument disabled",
        "1",
    )
    client.call("/ip/pool/add", "=name=p1", "=ranges=10.0.0.2-10.0.0.9")
    assert trap("/ip/pool/add", "=name=p1", "=ranges=10.1.0.0/24") == (
        "failure: item with this name already exists",
        None,
    )
    assert trap("/ppp/secret/print", "=colour=blue") == ("unknown parameter", "1")
    assert trap("/ppp/active/add", "=name=x") == ("no such command", "0")
    assert trap("/ppp/profile/remove", "=numbers=default") == (
        "failure: cannot remove default profile",
        None,
    )


def test_empty_mode_sends_empty_before_done(routeros_sim_factory):
    sim = routeros_sim_factory(empty_mode=True)
    with sim.client() as client:
        replies = client.talk("/ppp/secret/print", tag="e")
        assert [(r.kind, r.tag) for r in replies] == [("!empty", "e"), ("!done", "e")]
        # count-only has its answer in !done; rows present: no !empty
        assert kinds(client.talk("/ppp/secret/print", "=count-only=")) == ["!done"]
        assert "!empty" not in kinds(client.talk("/interface/print"))


def test_empty_mode_follows_the_version(routeros_sim_factory):
    assert routeros_sim_factory(ros_version="7.18").empty_mode is True
    assert routeros_sim_factory(ros_version="7.16.2").empty_mode is False
    assert routeros_sim_factory(ros_version="6.49.17").empty_mode is False


def test_empty_mode_can_be_switched_at_run_time(sim, client):
    assert kinds(client.talk("/ppp/secret/print")) == ["!done"]
    sim.empty_mode = True
    assert kinds(client.talk("/ppp/secret/print")) == ["!empty", "!done"]


# -- tags, concurrency, streams, /cancel ----------------------------------------------------


def test_interleaved_tagged_commands_share_a_connection(sim, client):
    sim.faults.delay("/system/resource/print", 0.3)
    client.send("/system/resource/print", ".tag=slow")
    client.send("/system/identity/print", ".tag=fast")
    first = client.read()
    assert (first.kind, first.tag) == ("!re", "fast")
    fast_done = client.read()
    assert (fast_done.kind, fast_done.tag) == ("!done", "fast")
    slow = client.collect("slow")
    assert kinds(slow) == ["!re", "!done"]
    assert slow[0].attrs["board-name"] == "RB4011iGS+"


def test_monitor_traffic_once_gives_one_row_per_interface(client):
    replies = client.talk("/interface/monitor-traffic", "=interface=ether1,ether2", "=once=")
    assert kinds(replies) == ["!re", "!re", "!done"]
    assert [r.attrs["name"] for r in replies[:2]] == ["ether1", "ether2"]
    for reply in replies[:2]:
        for key in (
            "rx-bits-per-second",
            "tx-bits-per-second",
            "rx-packets-per-second",
            "tx-packets-per-second",
        ):
            assert int(reply.attrs[key]) > 0


def test_monitor_traffic_streams_until_cancel(client):
    client.send("/interface/monitor-traffic", "=interface=ether1", ".tag=mon")
    seen = [client.read() for _ in range(3)]
    assert [(r.kind, r.tag) for r in seen] == [("!re", "mon")] * 3
    client.send("/cancel", "=tag=mon", ".tag=c")
    tail = []
    while not any(r.kind == "!done" and r.tag == "mon" for r in tail):
        tail.append(client.read())
    tail = [r for r in tail if r.kind != "!re"]  # samples already in flight are fine
    assert [(r.kind, r.tag, r.attrs) for r in tail] == [
        ("!trap", "mon", {"category": "2", "message": "interrupted"}),
        ("!done", "c", {}),
        ("!done", "mon", {}),
    ]
    # Nothing more arrives for the cancelled command; the connection still works.
    assert client.call("/system/identity/print") == [{"name": "MikroTik"}]


def test_cancel_without_tag_stops_everything(client):
    client.send("/interface/monitor-traffic", "=interface=ether1", ".tag=a")
    client.send("/interface/monitor-traffic", "=interface=ether2", ".tag=b")
    client.read()
    client.read()
    client.send("/cancel")
    done_tags = set()
    while done_tags != {None, "a", "b"}:
        reply = client.read()
        if reply.kind == "!done":
            done_tags.add(reply.tag)
    assert client.call("/system/identity/print") == [{"name": "MikroTik"}]


def test_cancel_of_an_unknown_tag_is_just_done(client):
    assert kinds(client.talk("/cancel", "=tag=nothing")) == ["!done"]


def test_monitor_traffic_duration_ends_with_done(client):
    replies = client.talk("/interface/monitor-traffic", "=interface=ether1", "=duration=0.12")
    assert kinds(replies)[-1] == "!done"
    assert 2 <= kinds(replies).count("!re") <= 5


def test_print_follow_streams_changes(sim, client):
    client.call("/ppp/secret/add", "=name=alice")
    client.send("/ppp/secret/print", "=follow=", "=.proplist=.id,name,comment", ".tag=f")
    first = client.read()
    assert (first.kind, first.attrs) == ("!re", {".id": "*1", "name": "alice"})
    sim.state.add("/ppp/secret", name="bob")
    assert client.read().attrs == {".id": "*2", "name": "bob"}
    sim.state.set("/ppp/secret", "alice", comment="moved")
    assert client.read().attrs == {".id": "*1", "name": "alice", "comment": "moved"}
    sim.state.remove("/ppp/secret", "bob")
    assert client.read().attrs == {".id": "*2", ".dead": "yes"}
    client.send("/cancel", "=tag=f")
    assert kinds(client.collect("f")) == ["!trap", "!done"]


def test_listen_sends_only_changes(sim, client):
    client.send("/log/listen", ".tag=l")
    client.call("/system/identity/print")  # commands start in order: listen is listening
    sim.state.log("hello from the test", "script,info")
    reply = client.read()
    assert reply.tag == "l"
    assert reply.attrs["message"] == "hello from the test"


def test_ping_streams_count_replies(client):
    replies = client.talk("/ping", "=address=10.0.0.1", "=count=3", "=interval=0.01")
    assert kinds(replies) == ["!re", "!re", "!re", "!done"]
    assert replies[2].attrs["sent"] == "3"
    assert replies[2].attrs["packet-loss"] == "0"
    lost = client.talk("/ping", "=address=192.0.2.7", "=count=1")
    assert lost[0].attrs["status"] == "timeout"


# -- long words ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [20_000, 3 * 1024 * 1024])
def test_long_words_both_ways(client, size):
    comment = ("0123456789abcdef" * (size // 16 + 1))[:size]
    client.call("/ppp/secret/add", "=name=big", f"=comment={comment}")
    (row,) = client.call("/ppp/secret/print", "?name=big", "=.proplist=comment")
    assert len(row["comment"]) == size
    assert row["comment"] == comment


def test_a_word_sent_in_many_pieces(sim, client):
    data = encode_sentence(["/ppp/secret/add", "=name=slow", "=comment=" + "z" * 5000])
    for i in range(0, len(data), 700):
        client.send_raw(data[i : i + 700])
        time.sleep(0.001)
    assert [r.kind for r in client.collect()] == ["!done"]
    assert sim.state.find("/ppp/secret", "slow")["comment"] == "z" * 5000


def test_five_byte_length_prefix_is_accepted(client):
    # A short word with the 0xF0 form (legal, if wasteful) must decode the same.
    word = b"/system/identity/print"
    client.send_raw(b"\xf0" + len(word).to_bytes(4, "big") + word + b"\x00")
    assert [r.kind for r in client.collect()] == ["!re", "!done"]
    client.send_raw(encode_word("/system/identity/print") + b"\x00")
    assert [r.kind for r in client.collect()] == ["!re", "!done"]


def test_many_connections_at_once(sim):
    clients = [sim.client() for _ in range(10)]
    try:
        for n, client in enumerate(clients):
            client.send("/ppp/secret/add", f"=name=c{n}")
        for client in clients:
            assert [r.kind for r in client.collect()] == ["!done"]
        assert len(sim.state["/ppp/secret"]) == 10
        assert sim.connection_count == 10
    finally:
        for client in clients:
            client.close()


def test_connection_refused_when_stopped(routeros_sim_factory):
    sim = routeros_sim_factory()
    port = sim.port
    sim.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).recv(1)
    sim.start()
    assert sim.port == port  # a restarted router comes back on its port
    with sim.client() as client:
        assert client.call("/system/identity/print") == [{"name": "MikroTik"}]


def test_api_ssl_with_a_pinned_ca(routeros_sim_factory, tmp_path):
    ca, server = make_test_certificates(tmp_path)
    sim = routeros_sim_factory(ssl_context=server_context(server.cert, server.key))
    context = client_context(ca.cert)
    api = sim.connect(ssl_wrapper=lambda sock: context.wrap_socket(sock, server_hostname=sim.host))
    assert [row["name"] for row in api.path("system", "identity")] == ["MikroTik"]
    api.close()
    # A client that does not trust the CA is refused.
    untrusting = ssl.create_default_context()
    with pytest.raises(ssl.SSLError):
        sim.connect(ssl_wrapper=lambda s: untrusting.wrap_socket(s, server_hostname=sim.host))
