using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace FastChat.Server.Tests;

/// <summary>
/// What <c>dotnet-counters monitor --counters FastChat.Server</c> shows (README "Metrics"): the
/// instruments on the server's own meter, read here through a <see cref="MeterListener"/>.
/// </summary>
public class MetricsTests
{
    [Fact]
    public async Task A_broadcast_shows_in_the_message_counters_and_its_walk_in_the_walk_histogram()
    {
        await using var server = ServerFixture.Start();
        Meter ours = server.Counters.Meter;
        var walks = new ConcurrentQueue<double>();
        var counters = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener
        {
            // Start() offers every instrument that exists already; other tests' servers in this
            // process have meters of the same name, so match the instance, not the name.
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == ours)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            if (instrument.Name == "fastchat.flush.walk.duration")
            {
                walks.Enqueue(value);
            }
        });
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => counters[instrument.Name] = value);
        listener.Start();

        TestClient[] members = await server.JoinManyAsync(2);
        int walksBefore = walks.Count;

        await members[0].SendAsync("hello\n");
        Assert.Equal($"MSG {members[0].Id} hello", await members[1].ReadLineAsync());

        // The line reached the other member through a walk, which is recorded once it is over.
        await ServerFixture.WaitUntilAsync(() => walks.Count > walksBefore, "a walk recorded after the broadcast");
        Assert.All(walks, seconds => Assert.InRange(seconds, 0, TestClient.DefaultTimeout.TotalSeconds));

        listener.RecordObservableInstruments();
        Assert.Equal(1, counters["fastchat.messages.in"]);
        Assert.Equal(2, counters["fastchat.messages.out"]); // the sender hears its own line too
        Assert.Equal(2, counters["fastchat.connections.active"]);
    }

    [Fact]
    public async Task Every_enforcement_is_counted_on_the_meter_tagged_by_its_reason()
    {
        await using var server = ServerFixture.Start(o => o.MaxClientsPerAddress = 2);
        Meter ours = server.Counters.Meter;
        var tagged = new ConcurrentDictionary<(string Name, string Reason), long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == ours)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "reason")
                {
                    tagged[(instrument.Name, (string)tag.Value!)] = value;
                }
            }
        });
        listener.Start();

        await using TestClient a = await server.JoinAsync();
        await using TestClient http = await server.JoinAsync();
        await using TestClient third = await TestClient.ConnectAsync(server.EndPoint);
        Assert.Equal(["FULL 2 per-address"], await third.ReadToEndAsync());
        await http.SendAsync("GET / HTTP/1.1\r\n\r\n");
        Assert.Equal(["BYE wrong-protocol"], await http.ReadToEndAsync());
        await ServerFixture.WaitUntilAsync(() => server.Counters.ClosedFor(Internal.CloseReason.WrongProtocol) == 1, "the close was counted");

        listener.RecordObservableInstruments();
        Assert.Equal(1, tagged[("fastchat.connections.rejected", "per-address")]);
        Assert.Equal(0, tagged[("fastchat.connections.rejected", "full")]);
        Assert.Equal(1, tagged[("fastchat.connections.closed", "wrong-protocol")]);
        Assert.Equal(0, tagged[("fastchat.connections.closed", "flood")]);
        Assert.Equal(0, tagged[("fastchat.accept.pauses", "fd-budget")]);
    }
}
