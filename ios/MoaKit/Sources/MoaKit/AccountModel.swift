import Foundation
import MoaCore

/// Settings' account part: sign in (the guest's 찜 joins the account), sign out, consent.
@MainActor
public final class AccountModel: StateModel {
    public private(set) var account: Account? { didSet { changed() } }
    public private(set) var busy = false { didSet { changed() } }
    public private(set) var eventConsent = false { didSet { changed() } }
    /// The alert settings, the nudges' switches among them (the core's).
    public private(set) var alerts: AlertSettings? { didSet { changed() } }
    public var error: UiError? { didSet { changed() } }

    private let moa: Moa

    public init(moa: Moa) {
        self.moa = moa
        super.init()
    }

    public func load() async {
        let moa = self.moa
        do {
            (account, eventConsent) = try await offMain { (try moa.account(), try moa.eventConsent()) }
            alerts = try await offMain { try moa.alertSettings() }
        } catch {
            self.error = UiError(error)
        }
    }

    /// A nudge on or off (`.viewedCheaper`, `.lastSize`, `.cartReminder`); the core keeps it.
    public func setNudge(_ nudge: AlertKind, on: Bool) async {
        guard var changed = alerts else { return }
        switch nudge {
        case .viewedCheaper: changed.nudgeViewedCheaper = on
        case .lastSize: changed.nudgeLastSize = on
        case .cartReminder: changed.nudgeCart = on
        default: return
        }
        let moa = self.moa
        let settings = changed
        do {
            try await offMain { try moa.setAlertSettings(settings: settings) }
            alerts = settings
        } catch {
            self.error = UiError(error)
        }
    }

    public func signIn(username: String, password: String) async {
        busy = true
        error = nil
        defer { busy = false }
        do {
            account = try await moa.signIn(
                username: username.trimmingCharacters(in: .whitespacesAndNewlines), password: password)
        } catch MoaError.Unauthorized {
            error = .wrongCredentials
        } catch {
            self.error = UiError(error)
        }
    }

    /// Sign out; `keepOnDevice` keeps the 찜 and follows here as a guest's.
    public func signOut(keepOnDevice: Bool) async {
        busy = true
        defer { busy = false }
        do {
            _ = try await moa.signOut(keepOnDevice: keepOnDevice)
            account = nil
        } catch {
            self.error = UiError(error)
        }
    }

    /// Sign out on every device of the account (a lost phone). It needs the server: offline, the
    /// error shows and this device stays signed in.
    public func signOutEverywhere() async {
        busy = true
        error = nil
        defer { busy = false }
        do {
            _ = try await moa.signOutEverywhere()
            account = nil
        } catch {
            self.error = UiError(error)
        }
    }

    public func setEventConsent(_ granted: Bool) async {
        let moa = self.moa
        do {
            try await offMain { try moa.setEventConsent(granted: granted) }
            eventConsent = granted
        } catch {
            self.error = UiError(error)
        }
    }
}
