package org.snapshare.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.ElementNotInteractableException;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser: Debian's headless Chromium at
 * 1280x800, driven by Selenium through Debian's chromedriver, against the
 * packaged server. Sign in with the keyboard alone, create a volume, take a
 * snapshot and see both served (iscsi-ls), write with qemu-io and see the
 * throughput move, roll back with progress to the end, delete. Screenshots
 * of each page go to target/console-screenshots/.
 */
class ConsoleIT {

    private static final Path SHOTS = Path.of("target", "console-screenshots");

    private WebDriver browser;
    private int shot;

    private void screenshot(String name) throws Exception {
        Files.createDirectories(SHOTS);
        File png = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(png.toPath(), SHOTS.resolve(String.format("%02d-%s.png", ++shot, name)),
                StandardCopyOption.REPLACE_EXISTING);
    }

    private static WebDriver chromium(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--window-size=1280,800");
        options.setAcceptInsecureCerts(true); // the server's self-signed certificate, on 127.0.0.1 only
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static String served(ServerProcess server) throws Exception {
        return ExternalTools.run(30, "iscsi-ls", server.portalUrl()).assertSuccess("iscsi-ls").output;
    }

    /**
     * Sends {@code keys} to what {@code locator} finds, finding it again if
     * the console re-rendered it in between (its lists refresh themselves, as
     * after a job ends), which would leave a stale element, or while it cannot
     * take keys yet (the dialog before it still closing).
     */
    private static void sendTo(WebDriverWait wait, By locator, CharSequence keys) {
        wait.ignoring(StaleElementReferenceException.class).ignoring(ElementNotInteractableException.class)
                .until(driver -> {
                    driver.findElement(locator).sendKeys(keys);
                    return true;
                });
    }

    private void confirm(WebDriverWait wait) {
        wait.until(ExpectedConditions.elementToBeClickable(By.id("confirm-ok"))).click();
    }

    /**
     * Confirms with the keyboard alone: the dialog opens with the focus on
     * Cancel (a slip of Enter does nothing harmful); Tab, then Enter.
     */
    private void confirmWithKeyboard(WebDriverWait wait) {
        wait.until(driver -> "confirm-cancel".equals(driver.switchTo().activeElement().getAttribute("id")));
        new Actions(browser).sendKeys(Keys.TAB).perform();
        wait.until(driver -> "confirm-ok".equals(driver.switchTo().activeElement().getAttribute("id")));
        new Actions(browser).sendKeys(Keys.ENTER).perform();
    }

    @Test
    void signInCreateSnapshotWatchIoRollBackAndDeleteInChromium(@TempDir Path dir) throws Exception {
        ExternalTools.require("chromium", "chromedriver", "iscsi-ls", "qemu-io");
        int apiPort = ExternalTools.freeLoopbackPort();
        try (ServerProcess server = new ServerProcess(dir.resolve("data")).start("--api", "127.0.0.1:" + apiPort)) {
            String token = server.cli("token", "create", "console", "--role", "admin").assertSuccess("token create")
                    .output.lines().findFirst().orElseThrow().strip();
            browser = chromium(dir.resolve("profile"));
            try {
                browser.manage().window().setSize(new Dimension(1280, 800));
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
                browser.get("https://127.0.0.1:" + apiPort + "/");
                assertTrue(browser.getTitle().contains("snapshare"), browser.getTitle());
                screenshot("sign-in");

                // Keyboard only: the token field has the focus; Enter submits.
                wait.until(driver -> "token".equals(driver.switchTo().activeElement().getAttribute("id")));
                browser.switchTo().activeElement().sendKeys(token + Keys.ENTER);
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-volume='vol0']")));
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-lun='vol0']")));
                screenshot("overview");

                browser.findElement(By.id("volume-name")).sendKeys("web");
                browser.findElement(By.id("volume-size")).clear();
                browser.findElement(By.id("volume-size")).sendKeys("0.0625" + Keys.ENTER);
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("volume-details"), "64.0 MiB"));
                assertTrue(served(server).contains(ServerProcess.IQN + "web "), "the new volume is served");

                browser.findElement(By.id("snapshot-name")).sendKeys("s1" + Keys.ENTER);
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("li[data-snapshot='s1']")));
                assertTrue(served(server).contains(ServerProcess.IQN + "web.s1"), "the snapshot is served");
                screenshot("volume");

                AtomicBoolean writing = new AtomicBoolean(true);
                Thread writer = new Thread(() -> {
                    long end = System.currentTimeMillis() + 30_000;
                    while (writing.get() && System.currentTimeMillis() < end) {
                        try {
                            ExternalTools.qemuIo(server.url("web"), "write -P 0x33 0 64M", "flush");
                        } catch (Exception e) {
                            return;
                        }
                    }
                });
                writer.start();
                try {
                    wait.until(driver -> Long.parseLong(driver.findElement(By.id("io-rate")).getAttribute(
                            "data-write-bytes-per-second") == null ? "0" : driver.findElement(By.id("io-rate"))
                            .getAttribute("data-write-bytes-per-second")) > 0);
                    screenshot("throughput");
                } finally {
                    writing.set(false);
                    writer.join();
                }

                sendTo(wait, By.cssSelector("button[aria-label='Roll back to s1']"), Keys.ENTER);
                confirmWithKeyboard(wait);
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("job-line"), "succeeded"));
                assertEquals("1", browser.findElement(By.id("job-progress")).getAttribute("value"));
                screenshot("rolled-back");
                ExternalTools.qemuIo(server.url("web"), "read -P 0 0 64M").assertSuccess("the origin is s1 again");

                sendTo(wait, By.cssSelector("button[aria-label='Delete snapshot s1']"), Keys.ENTER);
                confirm(wait);
                wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("li[data-snapshot='s1']")));

                browser.get("https://127.0.0.1:" + apiPort + "/#/jobs");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("main"), "rollback"));
                screenshot("jobs");
                browser.get("https://127.0.0.1:" + apiPort + "/#/schedules");
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("set-schedule")));
                screenshot("schedules");

                browser.get("https://127.0.0.1:" + apiPort + "/#/volume/web");
                wait.until(ExpectedConditions.elementToBeClickable(By.id("delete-volume"))).click();
                confirm(wait);
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-volume='vol0']")));
                wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("tr[data-volume='web']")));
                assertFalse(served(server).contains(ServerProcess.IQN + "web"), "the volume is gone");
                screenshot("deleted");
            } finally {
                browser.quit();
            }
        }
    }
}
