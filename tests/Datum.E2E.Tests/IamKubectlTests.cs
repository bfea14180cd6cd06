using System.Diagnostics;
using Xunit.Abstractions;

namespace Datum.E2E.Tests;

/// <summary>IAM with the real kubectl against `datum up`: user kubeconfigs, can-i, whoami, invitations, escalation.</summary>
public sealed class IamKubectlTests : IClassFixture<ServerFixture>, IDisposable
{
    private readonly ServerProcess _server;
    private readonly Kubectl _kubectl;

    public IamKubectlTests(ServerFixture fixture, ITestOutputHelper output)
    {
        _server = fixture.Server;
        _kubectl = new Kubectl(_server.KubeconfigPath, output.WriteLine);
    }

    public void Dispose() => _kubectl.Dispose();

    [KubectlFact]
    public async Task Viewer_and_editor_can_i_whoami_invitation_and_no_self_promotion()
    {
        var id = Guid.NewGuid().ToString("N")[..6];
        // Compute serves workloads.compute.datumapis.com; IAM generates its ProtectedResource and roles from the catalog.

        var viewer = "vi" + id;
        var editor = "ed" + id;
        var invitee = "in" + id;
        foreach (var user in new[] { viewer, editor, invitee })
        {
            await Apply("--context", "platform", $$"""
                apiVersion: iam.miloapis.com/v1alpha1
                kind: User
                metadata: {name: {{user}}}
                spec: {email: {{user}}@example.com, givenName: {{user}}, familyName: Test}
                """);
        }
        foreach (var (user, role) in new[] { (viewer, "viewer"), (editor, "editor") })
        {
            await Apply("--context", "platform", $$"""
                apiVersion: resourcemanager.miloapis.com/v1alpha1
                kind: OrganizationMembership
                metadata: {name: member-{{user}}, namespace: organization-default-org}
                spec:
                  organizationRef: {name: default-org}
                  userRef: {name: {{user}}}
                  roles: [{name: {{role}}, namespace: datum-cloud}]
                """);
        }
        using var asViewer = await UserKubectl(viewer);
        using var asEditor = await UserKubectl(editor);
        await Eventually(async () => (await asEditor.RunAsync("auth", "can-i", "create", "workloads.compute.datumapis.com")).Stdout.Trim() == "yes", "editor can create workloads");
        var no = (await asViewer.RunAsync("auth", "can-i", "create", "workloads.compute.datumapis.com")).Stdout.Trim();
        Assert.StartsWith("no - missing permission 'compute.datumapis.com/workloads.create'", no);
        Assert.Equal("yes", (await asViewer.RunAsync("auth", "can-i", "list", "workloads.compute.datumapis.com")).Stdout.Trim());
        var whoami = await asViewer.OkAsync("auth", "whoami");
        Assert.Matches($@"(?m)^Username\s+{viewer}\s*$", whoami);
        Assert.Contains("system:authenticated", whoami);
        Assert.Contains("get", await asViewer.OkAsync("auth", "can-i", "--list"));
        var denied = await asViewer.RunAsync("create", "configmap", "nope", "--from-literal=a=b");
        Assert.Contains("missing permission 'core.miloapis.com/configmaps.create'", denied.Stderr);

        // A viewer cannot grant themselves editor.
        var orgUid = (await _kubectl.OkAsync("--context", "platform", "get", "organization", "default-org", "-o", "jsonpath={.metadata.uid}")).Trim();
        var viewerUid = (await _kubectl.OkAsync("--context", "platform", "get", "user", viewer, "-o", "jsonpath={.metadata.uid}")).Trim();
        var grab = await asViewer.RunAsync(["--context", "platform", "apply", "-f", "-"], $$"""
            apiVersion: iam.miloapis.com/v1alpha1
            kind: PolicyBinding
            metadata: {name: grab-{{id}}, namespace: organization-default-org}
            spec:
              roleRef: {name: editor, namespace: datum-cloud}
              subjects: [{kind: User, name: {{viewer}}, uid: {{viewerUid}}}]
              resourceSelector:
                resourceRef:
                  apiGroup: resourcemanager.miloapis.com
                  kind: Organization
                  name: default-org
                  uid: {{orgUid}}
            """);
        Assert.NotEqual(0, grab.ExitCode);
        Assert.Contains("Forbidden", grab.Stderr);

        // Invitation: invite, accept as the invitee, membership appears, access follows.
        await Apply("--context", "platform", $$"""
            apiVersion: iam.miloapis.com/v1alpha1
            kind: UserInvitation
            metadata: {name: invite-{{id}}, namespace: organization-default-org}
            spec:
              organizationRef: {name: default-org}
              email: {{invitee}}@example.com
              state: Pending
              roles: [{name: editor, namespace: datum-cloud}]
            """);
        using var asInvitee = await UserKubectl(invitee);
        await Eventually(async () => (await asInvitee.RunAsync("--context", "platform", "-n", "organization-default-org", "get", "userinvitation", "invite-" + id)).ExitCode == 0, "invitee sees the invitation");
        await asInvitee.OkAsync("--context", "platform", "-n", "organization-default-org", "patch", "userinvitation", "invite-" + id, "--type=merge", "-p", """{"spec":{"state":"Accepted"}}""");
        await Eventually(async () => (await _kubectl.RunAsync("--context", "platform", "-n", "organization-default-org", "get", "organizationmembership", "member-" + invitee)).ExitCode == 0, "membership");
        await Eventually(async () => (await asInvitee.RunAsync("auth", "can-i", "create", "workloads.compute.datumapis.com")).Stdout.Trim() == "yes", "invitee can create workloads");
        await asInvitee.OkAsync("create", "configmap", "joined-" + id, "--from-literal=a=b");
    }

    [KubectlFact]
    public async Task A_service_account_kubeconfig_acts_as_the_account_until_it_is_Inactive()
    {
        var name = "ci" + Guid.NewGuid().ToString("N")[..6];
        await Apply("--context", "default-project", $$"""
            apiVersion: iam.miloapis.com/v1alpha1
            kind: ServiceAccount
            metadata: {name: {{name}}}
            """);
        var projectUid = (await _kubectl.OkAsync("--context", "platform", "get", "project", "default-project", "-o", "jsonpath={.metadata.uid}")).Trim();
        await Apply("--context", "default-project", $$"""
            apiVersion: iam.miloapis.com/v1alpha1
            kind: PolicyBinding
            metadata: {name: {{name}}-editor, namespace: default}
            spec:
              roleRef: {name: editor, namespace: datum-cloud}
              subjects: [{kind: ServiceAccount, name: {{name}}}]
              resourceSelector:
                resourceRef: {apiGroup: resourcemanager.miloapis.com, kind: Project, name: default-project, uid: {{projectUid}}}
            """);
        using var asAccount = await DatumKubeconfig(name, "--service-account", name);
        var email = $"{name}@default-project.iam.datumapis.com";
        Assert.Matches($@"(?m)^Username\s+{System.Text.RegularExpressions.Regex.Escape(email)}\s*$", await asAccount.OkAsync("auth", "whoami"));
        await Eventually(async () => (await asAccount.RunAsync("create", "configmap", name, "--from-literal=a=b")).ExitCode == 0, "the account's editor binding");
        Assert.Equal(email, (await _kubectl.OkAsync("--context", "default-project", "get", "serviceaccounts.iam.miloapis.com", name, "-o", "jsonpath={.status.email}")).Trim());

        await _kubectl.OkAsync("--context", "default-project", "patch", "serviceaccounts.iam.miloapis.com", name, "--type=merge", "-p", """{"spec":{"state":"Inactive"}}""");
        await Eventually(async () => (await asAccount.RunAsync("get", "configmap", name)).ExitCode != 0, "Inactive refused");
        var refused = (await asAccount.RunAsync("get", "configmap", name)).Stderr;
        // kubectl shows a 401 as its own sentence (the Status message is asserted over HTTPS in Datum.Iam.Tests).
        Assert.Contains("the server has asked for the client to provide credentials", refused);
    }

    private async Task Apply(string context, string contextName, string manifest)
    {
        var r = await _kubectl.RunAsync([context, contextName, "apply", "-f", "-"], manifest);
        Assert.True(r.ExitCode == 0, r.Stderr);
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(200);
        }
    }

    private Task<Kubectl> UserKubectl(string user) => DatumKubeconfig(user, "--user", user);

    /// <summary>A kubectl using <c>datum kubeconfig … --project default-project</c> with the given identity options.</summary>
    private async Task<Kubectl> DatumKubeconfig(string file, params string[] identity)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[ServerProcess.DatumDll, "kubeconfig", "--data-dir", _server.DataDir, .. identity, "--project", "default-project"]) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
        var path = Path.Combine(_kubectl.CacheDir, file + ".kubeconfig");
        await File.WriteAllTextAsync(path, stdout);
        return new Kubectl(path);
    }
}
