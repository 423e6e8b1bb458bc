using Microsoft.Playwright;

namespace FlowCorrelator.Tests.Browser;

/// <summary>
/// The system's headless Chromium (Debian package <c>chromium</c>), driven by Playwright, with the network cut:
/// every request that is not <c>file:</c> is aborted and recorded. Never downloads a browser. Where Chromium is
/// missing the test fails in CI (<c>CI</c> set, as .ci/run runs) or with FLOWCORRELATOR_REQUIRE_BROWSER=1, and is
/// skipped with a message elsewhere.
/// </summary>
internal sealed class ChromiumSession : IAsyncDisposable
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium"];

    private readonly IPlaywright _playwright;
    private readonly IBrowserContext _context;
    private readonly DirectoryInfo _profile;

    private ChromiumSession(IPlaywright playwright, IBrowserContext context, IPage page, DirectoryInfo profile)
    {
        _playwright = playwright;
        _context = context;
        Page = page;
        _profile = profile;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                ConsoleErrors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => ConsoleErrors.Add("page error: " + error);
    }

    public IPage Page { get; }

    /// <summary>Console errors and uncaught script errors, in order.</summary>
    public List<string> ConsoleErrors { get; } = [];

    /// <summary>Requests the page tried to make off the file system (all were aborted).</summary>
    public List<string> BlockedRequests { get; } = [];

    /// <summary>The browser's path, or null (with the test ignored or failed as described above).</summary>
    public static string RequireChromium()
    {
        string? path = Environment.GetEnvironmentVariable("FLOWCORRELATOR_CHROMIUM") is { Length: > 0 } configured ? configured : Candidates.FirstOrDefault(File.Exists);
        if (path is not null && File.Exists(path))
        {
            return path;
        }

        const string Message = "Chromium not found (looked for FLOWCORRELATOR_CHROMIUM, /usr/bin/chromium, /usr/bin/chromium-browser); install it with: apt-get install -y chromium";
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")) || Environment.GetEnvironmentVariable("FLOWCORRELATOR_REQUIRE_BROWSER") == "1")
        {
            Assert.Fail(Message + " (required: CI or FLOWCORRELATOR_REQUIRE_BROWSER=1 is set)");
        }

        Assert.Ignore(Message);
        return null!; // not reached: Ignore throws
    }

    public static async Task<ChromiumSession> StartAsync(int width = 1400, int height = 900)
    {
        string chromium = RequireChromium();
        IPlaywright playwright = await Playwright.CreateAsync();
        // A fresh profile each time: no state from an earlier run or another test.
        DirectoryInfo profile = Directory.CreateTempSubdirectory("flowcorrelator-chromium-");
        IBrowserContext context = await playwright.Chromium.LaunchPersistentContextAsync(profile.FullName, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Offline = true,
        });
        IPage page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
        var session = new ChromiumSession(playwright, context, page, profile);
        await context.RouteAsync("**/*", async route =>
        {
            if (route.Request.Url.StartsWith("file:", StringComparison.Ordinal))
            {
                await route.ContinueAsync();
            }
            else
            {
                lock (session.BlockedRequests)
                {
                    session.BlockedRequests.Add(route.Request.Url);
                }

                await route.AbortAsync();
            }
        });
        return session;
    }

    /// <summary>Opens a file and waits until the page's script has run.</summary>
    public async Task OpenAsync(string path)
    {
        await Page.GotoAsync(new Uri(Path.GetFullPath(path)).AbsoluteUri);
        await Page.WaitForSelectorAsync("html[data-ready='1']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached, Timeout = 30_000 });
    }

    public async ValueTask DisposeAsync()
    {
        await _context.DisposeAsync();
        _playwright.Dispose();
        try
        {
            _profile.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be flushing its profile; a temp folder left behind is harmless.
        }
    }
}
