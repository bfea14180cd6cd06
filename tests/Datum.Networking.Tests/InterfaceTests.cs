using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Networking.Ipam;
using Datum.Networking.Provider;
using Datum.Runtime.Api;
using Datum.Runtime.Client;
using static Datum.Networking.Tests.ControllersFixture;
using static Datum.Testing.InProcessControlPlaneFixture;

namespace Datum.Networking.Tests;

/// <summary>NetworkInterfaceClaim → NetworkInterface through the real server, controllers and simulated provider (in process).</summary>
[Collection("controllers")]
public sealed class InterfaceTests(ControllersFixture fixture)
{
    private ResourceClient<NetworkInterfaceClaimObject> Claims => fixture.Client.Resource<NetworkInterfaceClaimObject>();

    private ResourceClient<NetworkInterfaceObject> Interfaces => fixture.Client.Resource<NetworkInterfaceObject>();

    private async Task<IReadOnlyList<(UInt128 Address, string Owner)>> HeldAsync(string ns, string family)
    {
        var subnet = await fixture.Client.Resource<SubnetObject>().GetAsync(ns, NetworkingNames.InterfaceSubnetName("net-dfw", family));
        return await new AddressBlockAllocator().ReadAsync(fixture.Client, new AddressPool(subnet.Metadata.Uid!, Cidr.Parse($"{subnet.Status!.StartAddress}/{subnet.Status.PrefixLength}")), CancellationToken.None);
    }

    [Fact]
    public async Task Claims_get_ready_interfaces_with_one_address_per_family_and_deletion_releases_them()
    {
        var ns = await fixture.NamespaceAsync("nic");
        await fixture.NetworkAsync(ns, "dfw", null, "IPv4", "IPv6");
        for (var i = 0; i < 3; i++) await fixture.ClaimAsync(ns, $"c{i}", "dfw");
        await EventuallyAsync(async () => (await Claims.ListAsync(ns)).Items.All(c => Is(c.Status, "Ready", "True")) , "claims Ready");

        var claims = (await Claims.ListAsync(ns)).Items;
        Assert.All(claims, c =>
        {
            Assert.True(Is(c.Status, "Bound", "True", "InterfaceBound"));
            Assert.True(Is(c.Status, "Allocated", "True", "AddressesAllocated"));
            Assert.Equal("Bound", c.Status!.Phase);
            Assert.Equal(c.Metadata.Name, c.Status.NetworkInterfaceRef!.Name);
            Assert.All(c.Status.Conditions!, x => Assert.Equal(c.Metadata.Generation, x.ObservedGeneration));
        });
        var nics = (await Interfaces.ListAsync(ns)).Items;
        Assert.Equal(3, nics.Count);
        var subnetV4 = await fixture.Client.Resource<SubnetObject>().GetAsync(ns, "net-dfw-ipv4");
        var v4 = Cidr.Parse($"{subnetV4.Status!.StartAddress}/{subnetV4.Status.PrefixLength}");
        Assert.Equal(20, v4.PrefixLength);
        var subnetV6 = await fixture.Client.Resource<SubnetObject>().GetAsync(ns, "net-dfw-ipv6");
        var v6 = Cidr.Parse($"{subnetV6.Status!.StartAddress}/{subnetV6.Status.PrefixLength}");
        Assert.Equal(64, v6.PrefixLength);
        foreach (var nic in nics)
        {
            Assert.Equal("Bound", nic.Status!.Phase);
            Assert.True(Is(nic.Status, "Programmed", "True"));
            Assert.Equal("eth0", nic.Spec.InterfaceName);
            Assert.Equal("Netns", nic.Spec.AttachmentMode);
            Assert.Equal("Delete", nic.Spec.ReclaimPolicy);
            Assert.Equal(2, nic.Spec.Addresses!.Count);
            Assert.Single(nic.Spec.Addresses, a => a.Primary == true);
            var a4 = nic.Spec.Addresses.Single(a => a.Family == "IPv4");
            Assert.True(Cidr.TryParseAddress(a4.Address, out var n4, out _) && v4.Contains(n4));
            Assert.Equal(Cidr.ToAddress(v4.Start + 1, false).ToString(), a4.Gateway); // gateway: first usable address
            Assert.NotEqual(a4.Gateway, a4.Address);
            var a6 = nic.Spec.Addresses.Single(a => a.Family == "IPv6");
            Assert.True(Cidr.TryParseAddress(a6.Address, out var n6, out _) && v6.Contains(n6));
            var owner = Assert.Single(nic.Metadata.OwnerReferences!);
            Assert.Equal("NetworkInterfaceClaim", owner.Kind);
        }
        Assert.Equal(3, nics.Select(n => n.Spec.Addresses!.Single(a => a.Family == "IPv4").Address).Distinct().Count());
        Assert.Equal(3, (await HeldAsync(ns, "IPv4")).Count);

        // Deleting a claim deletes its interface and returns the addresses.
        await Claims.DeleteAsync(ns, "c0");
        await EventuallyAsync(async () => await Interfaces.TryGetAsync(ns, "c0") is null && await Claims.TryGetAsync(ns, "c0") is null, "c0 and its interface gone");
        Assert.Equal(2, (await HeldAsync(ns, "IPv4")).Count);
        Assert.Equal(2, (await HeldAsync(ns, "IPv6")).Count);
        Assert.DoesNotContain(await HeldAsync(ns, "IPv4"), h => h.Owner == claims.Single(c => c.Metadata.Name == "c0").Metadata.Uid);
    }

    [Fact]
    public async Task An_interface_is_created_in_its_final_form_and_each_report_is_one_write()
    {
        var ns = await fixture.NamespaceAsync("writes");
        await fixture.NetworkAsync(ns, "dfw");
        // The first claim makes the context's interface subnet; the one measured finds it ready.
        await fixture.ClaimAsync(ns, "first", "dfw");
        try
        {
            await EventuallyAsync(async () => Is((await Claims.GetAsync(ns, "first")).Status, "Ready", "True"), "first claim Ready");
        }
        catch (TimeoutException e)
        {
            // What the claim and its interface said when time ran out.
            throw new TimeoutException($"{e.Message}; claim: {System.Text.Json.JsonSerializer.Serialize((await Claims.GetAsync(ns, "first")).Status, NetworkingInterfaceJsonContext.Default.NetworkInterfaceClaimStatus)}; "
                + $"interface: {System.Text.Json.JsonSerializer.Serialize(await Interfaces.TryGetAsync(ns, "first"), NetworkingInterfaceJsonContext.Default.NetworkInterfaceObject)}", e);
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var claimEvents = new List<WatchEvent<NetworkInterfaceClaimObject>>();
        var nicEvents = new List<WatchEvent<NetworkInterfaceObject>>();
        var claimsWatch = Collect(Claims, ns, (await Claims.ListAsync(ns)).ResourceVersion, claimEvents, cts.Token);
        var nicsWatch = Collect(Interfaces, ns, (await Interfaces.ListAsync(ns)).ResourceVersion, nicEvents, cts.Token);
        // As compute creates it: with the claim controller's finalizer, so the claim's only writes are its status.
        await Claims.CreateAsync(new NetworkInterfaceClaimObject
        {
            Metadata = new ObjectMeta { Name = "measured", Namespace = ns, Finalizers = [NetworkingNames.InterfaceClaimFinalizer] },
            Spec = new NetworkInterfaceClaimSpec { Network = new NameRef { Name = "net" }, Location = new NameRef { Name = "dfw" } },
        });
        await EventuallyAsync(async () => Is((await Claims.GetAsync(ns, "measured")).Status, "Ready", "True") && Is((await Interfaces.GetAsync(ns, "measured")).Status, "Ready", "True"), "measured claim Ready");
        await Task.Delay(1500); // past the interface controller's provider grace: anything it would add has been written
        await cts.CancelAsync();
        await Task.WhenAll(claimsWatch, nicsWatch);

        var nic = nicEvents.Where(e => e.Object!.Metadata.Name == "measured").ToList();
        var added = Assert.Single(nic, e => e.Type == WatchEventType.Added);
        // Created with the IPAM finalizer and the simulated provider's (dfw is a simulated Location): no metadata write.
        Assert.Equal([NetworkingNames.InterfaceIpamFinalizer, SimulatedNetworkProvider.Finalizer], added.Object!.Metadata.Finalizers!);
        var modified = nic.Where(e => e.Type == WatchEventType.Modified).ToList();
        Assert.All(modified, e => Assert.Equal(added.Object.Metadata.Finalizers, e.Object!.Metadata.Finalizers!));
        // The provider's reports (in progress, then programmed: the fixture's latency is 20 ms) carry Datum's
        // conditions too, so the interface controller writes nothing of its own.
        Assert.Equal(2, modified.Count);
        Assert.All(modified, e => Assert.NotNull(e.Object!.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")));
        Assert.True(Is(modified[^1].Object!.Status, "Ready", "True"));

        var claim = claimEvents.Where(e => e.Object!.Metadata.Name == "measured" && e.Type == WatchEventType.Modified).ToList();
        // The first status waits for the interface's first report, so Bound comes with the mirror (in progress, or
        // already programmed on a slow machine); at most one more write when Programmed turns True.
        Assert.InRange(claim.Count, 1, 2);
        Assert.True(Is(claim[0].Object!.Status, "Bound", "True"));
        Assert.True(Is(claim[0].Object!.Status, "Allocated", "True"));
        Assert.NotEqual("Pending", claim[0].Object!.Status!.Conditions!.Single(c => c.Type == "Programmed").Reason);
        Assert.True(Is(claim[^1].Object!.Status, "Ready", "True"));
    }

    private static async Task Collect<T>(ResourceClient<T> api, string ns, string from, List<WatchEvent<T>> into, CancellationToken ct) where T : class, IKubeObject<T>
    {
        try
        {
            await foreach (var e in api.WatchAsync(ns, new ListOptions { ResourceVersion = from }, ct)) into.Add(e);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [Fact]
    public async Task Retain_keeps_the_interface_and_its_addresses_after_the_claim_goes()
    {
        var ns = await fixture.NamespaceAsync("retain");
        await fixture.NetworkAsync(ns, "dfw");
        var claim = await fixture.ClaimAsync(ns, "keep", "dfw", reclaim: "Retain");
        await EventuallyAsync(async () => Is((await Claims.GetAsync(ns, "keep")).Status, "Bound", "True"), "bound");
        var address = (await Interfaces.GetAsync(ns, "keep")).Spec.Addresses!.Single().Address;
        await Claims.DeleteAsync(ns, "keep");
        await EventuallyAsync(async () => await Claims.TryGetAsync(ns, "keep") is null, "claim gone");
        await EventuallyAsync(async () => (await Interfaces.TryGetAsync(ns, "keep"))?.Status?.Phase == "Available", "retained interface Available");
        var nic = await Interfaces.GetAsync(ns, "keep");
        Assert.Equal(address, nic.Spec.Addresses!.Single().Address);
        Assert.Null(nic.Metadata.OwnerReferences?.FirstOrDefault(r => r.Uid == claim.Metadata.Uid));
        Assert.Contains(await HeldAsync(ns, "IPv4"), h => h.Owner == claim.Metadata.Uid);

        // Deleting the retained interface releases its address.
        await Interfaces.DeleteAsync(ns, "keep");
        await EventuallyAsync(async () => await Interfaces.TryGetAsync(ns, "keep") is null, "interface gone");
        Assert.DoesNotContain(await HeldAsync(ns, "IPv4"), h => h.Owner == claim.Metadata.Uid);
    }

    [Fact]
    public async Task Exhaustion_and_missing_network_presence_are_conditions_with_reasons()
    {
        var ns = await fixture.NamespaceAsync("full");
        await fixture.NetworkAsync(ns, "dfw", "10.0.0.0/28"); // one /28 subnet: 16 - network, gateway, broadcast = 13
        for (var i = 0; i < 14; i++) await fixture.ClaimAsync(ns, $"c{i:00}", "dfw");
        await EventuallyAsync(async () => (await Claims.ListAsync(ns)).Items.Count(c => Is(c.Status, "Bound", "True")) == 13
            && (await Claims.ListAsync(ns)).Items.Count(c => Is(c.Status, "Allocated", "False", "RangeExhausted")) == 1, "13 bound, 1 exhausted");
        var refused = (await Claims.ListAsync(ns)).Items.Single(c => Is(c.Status, "Allocated", "False"));
        Assert.Contains("no free address is left in 10.0.0.0/28", refused.Status!.Conditions!.Single(c => c.Type == "Allocated").Message);
        Assert.True(Is(refused.Status, "Bound", "False"));
        var addresses = (await Interfaces.ListAsync(ns)).Items.Select(n => n.Spec.Addresses!.Single().Address).ToList();
        Assert.Equal(13, addresses.Distinct().Count());
        Assert.DoesNotContain("10.0.0.0", addresses);
        Assert.DoesNotContain("10.0.0.1", addresses);
        Assert.DoesNotContain("10.0.0.15", addresses);

        // Freeing one lets the refused claim through.
        await Claims.DeleteAsync(ns, (await Claims.ListAsync(ns)).Items.First(c => Is(c.Status, "Bound", "True")).Metadata.Name!);
        await EventuallyAsync(async () => Is((await Claims.GetAsync(ns, refused.Metadata.Name!)).Status, "Bound", "True"), "the refused claim bound after a release", 90);

        // No presence in the location; a family the network does not carry.
        await fixture.ClaimAsync(ns, "far", "syd");
        await EventuallyAsync(async () => Is((await Claims.GetAsync(ns, "far")).Status, "Allocated", "False", "NetworkNotAvailableInLocation"), "not available in syd");
        await Claims.CreateAsync(new NetworkInterfaceClaimObject
        {
            Metadata = new ObjectMeta { Name = "v6", Namespace = ns },
            Spec = new NetworkInterfaceClaimSpec { Network = new NameRef { Name = "net" }, Location = new NameRef { Name = "dfw" }, IpFamilies = ["IPv6"] },
        });
        await EventuallyAsync(async () => Is((await Claims.GetAsync(ns, "v6")).Status, "Allocated", "False", "AddressFamilyNotCarried"), "IPv6 not carried");
    }

    [Fact]
    public async Task Bad_input_gets_422_with_the_field_path_and_nothing_is_written()
    {
        var ns = await fixture.NamespaceAsync("bad");
        async Task Rejected(Func<Task> write, params string[] expected)
        {
            var e = await Assert.ThrowsAsync<ApiStatusException>(write);
            Assert.Equal(422, e.Code);
            foreach (var x in expected) Assert.Contains(x, e.Status.Message);
        }
        NetworkInterfaceClaimObject Claim(string name, Action<NetworkInterfaceClaimSpec> change)
        {
            var spec = new NetworkInterfaceClaimSpec { Network = new NameRef { Name = "net" }, Location = new NameRef { Name = "dfw" } };
            change(spec);
            return new NetworkInterfaceClaimObject { Metadata = new ObjectMeta { Name = name, Namespace = ns }, Spec = spec };
        }
        await Rejected(() => Claims.CreateAsync(Claim("long", s => s.InterfaceName = "eth0-far-too-long")), "spec.interfaceName");
        await Rejected(() => Claims.CreateAsync(Claim("slash", s => s.InterfaceName = "eth/0")), "spec.interfaceName", "Linux interface name");
        await Rejected(() => Claims.CreateAsync(Claim("mode", s => s.AttachmentMode = "Bridge")), "spec.attachmentMode", "Netns");
        await Rejected(() => Claims.CreateAsync(Claim("family", s => s.IpFamilies = ["IPv5"])), "spec.ipFamilies[0]");
        await Rejected(() => Claims.CreateAsync(Claim("policy", s => s.ReclaimPolicy = "Recycle")), "spec.reclaimPolicy");
        await Rejected(() => Claims.CreateAsync(Claim("class", s => s.Addresses = [new AddressRequest { Class = "public" }])), "spec.addresses[0].class");
        await Rejected(() => Claims.CreateAsync(Claim("nowhere", s => s.Location = new NameRef { Name = "atlantis" })), "spec.location.name", "atlantis");
        Assert.Empty((await Claims.ListAsync(ns)).Items);

        // The network of a claim is immutable.
        await Claims.CreateAsync(Claim("ok", _ => { }));
        var ok = await Claims.GetAsync(ns, "ok");
        ok.Spec.Network = new NameRef { Name = "other" };
        await Rejected(() => Claims.UpdateAsync(ok), "spec.network", "immutable");

        // An interface: one address per family, exactly one primary, at most 4.
        NetworkInterfaceObject Nic(params InterfaceAddress[] addresses) => new()
        {
            Metadata = new ObjectMeta { Name = "nic", Namespace = ns },
            Spec = new NetworkInterfaceSpec { Network = new NameRef { Name = "net" }, Location = new NameRef { Name = "dfw" }, Addresses = [.. addresses] },
        };
        await Rejected(() => Interfaces.CreateAsync(Nic(new InterfaceAddress { Family = "IPv4", Address = "10.0.0.2", Primary = true }, new InterfaceAddress { Family = "IPv4", Address = "10.0.0.3" })),
            "spec.addresses[1].family", "Duplicate");
        await Rejected(() => Interfaces.CreateAsync(Nic(new InterfaceAddress { Family = "IPv4", Address = "10.0.0.2" })), "spec.addresses", "exactly one address must be primary");
        await Rejected(() => Interfaces.CreateAsync(Nic(new InterfaceAddress { Family = "IPv6", Address = "10.0.0.2", Primary = true })), "spec.addresses[0].address", "not an IPv6 address");
        await Rejected(() => Interfaces.CreateAsync(Nic([.. Enumerable.Range(0, 5).Select(i => new InterfaceAddress { Family = "IPv4", Address = $"10.0.0.{i}", Primary = i == 0 })])), "spec.addresses");
        Assert.Empty((await Interfaces.ListAsync(ns)).Items);
    }
}
