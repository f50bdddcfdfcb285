import BackgroundTasks
import MoaCore
import MoaKit
import SwiftUI
import UserNotifications

/// Opens the one core for the app and wires the platform's parts into it.
@main
struct MoaApp: App {
    @State private var core = AppCore()

    var body: some Scene {
        WindowGroup {
            RootView(core: core)
        }
        .backgroundTask(.appRefresh(AppCore.syncTask)) {
            await core.backgroundSync()
        }
    }
}

@MainActor
final class AppCore {
    static let syncTask = "app.moa.sync"
    let moa: Moa
    let home: HomeModel
    let product: ProductModel
    let search: SearchModel
    let wishlist: WishlistModel
    let malls: MallsModel
    let mallPage: MallPageModel
    let account: AccountModel
    let onboarding: OnboardingModel
    let orders: OrdersModel
    private let alerts = NotificationAlerts()
    private let taps = NotificationTaps()

    init() {
        let support = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        let server = Bundle.main.object(forInfoDictionaryKey: "MoaServerURL") as? String
        do {
            moa = try Moa.open(config: MoaConfig(
                dataDir: support.appendingPathComponent("moa").path,
                serverUrl: server,
                locale: Locale.current.identifier(.bcp47),
                installId: AppCore.installId(),
                requestTimeoutMs: 15_000,
                // The phone holds its segment's working set, within a budget; search reaches the
                // whole catalog when online.
                workingSet: true,
                cacheBudgetBytes: 64 * 1024 * 1024))
        } catch {
            // The core moves a damaged cache aside itself; failing here means the disk is unusable.
            fatalError("Moa cannot open its data: \(error)")
        }
        moa.setSecretStore(store: KeychainSecretStore())
        moa.setAlertListener(listener: alerts)
        home = HomeModel(moa: moa)
        product = ProductModel(moa: moa)
        search = SearchModel(moa: moa)
        wishlist = WishlistModel(moa: moa)
        malls = MallsModel(moa: moa)
        mallPage = MallPageModel(moa: moa)
        account = AccountModel(moa: moa)
        onboarding = OnboardingModel(moa: moa)
        orders = OrdersModel(moa: moa)
        taps.core = self
        UNUserNotificationCenter.current().delegate = taps
        scheduleSync()
    }

    /// A random id for this install (no device identifiers).
    static func installId() -> String {
        if let id = UserDefaults.standard.string(forKey: "installId") { return id }
        let id = UUID().uuidString
        UserDefaults.standard.set(id, forKey: "installId")
        return id
    }

    var needsOnboarding: Bool { !UserDefaults.standard.bool(forKey: "onboarded") }
    func onboarded() { UserDefaults.standard.set(true, forKey: "onboarded") }

    /// Asked once, in the foreground, when the shopper reaches the home (never from a background
    /// callback, where iOS shows no prompt).
    func askForNotifications() async {
        let center = UNUserNotificationCenter.current()
        guard await center.notificationSettings().authorizationStatus == .notDetermined else { return }
        _ = try? await center.requestAuthorization(options: [.alert, .sound])
    }

    func scheduleSync() {
        let request = BGAppRefreshTaskRequest(identifier: AppCore.syncTask)
        request.earliestBeginDate = Date(timeIntervalSinceNow: 6 * 3600)
        try? BGTaskScheduler.shared.submit(request)
    }

    /// Background refresh: the catalog, the account's lists, and the alerts that are due.
    func backgroundSync() async {
        scheduleSync()
        _ = try? await moa.sync(listener: nil, cancellation: nil)
        if (try? moa.account()) != nil { _ = try? await moa.syncAccount() }
        // Behaviour events leave the device only with consent; the core checks it.
        _ = try? await moa.uploadEvents()
        _ = try? moa.deliverAlerts()
    }
}

/// The core decides which alerts are due (digest, quiet hours, daily cap); this only shows them,
/// when the shopper allowed notifications (asked in the foreground: `askForNotifications`).
final class NotificationAlerts: AlertListener, @unchecked Sendable {
    // MoaCore's Alert, not SwiftUI's.
    func onAlerts(alerts: [MoaCore.Alert]) {
        let center = UNUserNotificationCenter.current()
        center.getNotificationSettings { settings in
            guard settings.authorizationStatus == .authorized || settings.authorizationStatus == .provisional else { return }
            for alert in alerts {
                let content = UNMutableNotificationContent()
                content.title = alert.title
                content.body = alert.body
                // A tap opens the order list for an order's news (NotificationTaps).
                content.userInfo = ["orders": alert.kind == .orderUpdate, "alert": alert.alertId]
                center.add(UNNotificationRequest(identifier: "alert-\(alert.alertId)", content: content, trigger: nil))
            }
        }
    }
}

/// A tapped order alert opens "주문·배송" over the tabs.
final class NotificationTaps: NSObject, UNUserNotificationCenterDelegate, @unchecked Sendable {
    @MainActor weak var core: AppCore?

    func userNotificationCenter(
        _ center: UNUserNotificationCenter, didReceive response: UNNotificationResponse
    ) async {
        let info = response.notification.request.content.userInfo
        // The core counts a nudge's opening (for its mall, with consent).
        if let id = info["alert"] as? Int64 {
            await MainActor.run { [weak self] in try? self?.core?.moa.alertOpened(alertId: id) }
        }
        guard info["orders"] as? Bool == true else { return }
        await MainActor.run { [weak self] in
            guard let orders = self?.core?.orders else { return }
            Task { await orders.show() }
        }
    }
}
